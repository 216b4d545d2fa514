"""Concurrency on PostgreSQL: the election row lock and the unique
constraints make simultaneous actions happen once."""

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from elections import services
from elections.models import ElectionEvent, Nomination

from .conftest import nominate_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run the calls in threads released together; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except DomainError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


class TestConcurrentSelection:
    def test_two_members_nominating_at_once_both_count_once(self, world, nominating):
        _results, errors = at_once(
            lambda: services.nominate(election=nominating, by=world.ana, nominee=world.bo,
                                      reason="r"),
            lambda: services.nominate(election=nominating, by=world.bo, nominee=world.cy,
                                      reason="s"),
        )  # fmt: skip
        assert not errors
        assert Nomination.objects.filter(round=1).count() == 2

    def test_one_member_nominating_twice_at_once_makes_one_nomination(self, world, nominating):
        results, errors = at_once(
            lambda: services.nominate(election=nominating, by=world.ana, nominee=world.bo,
                                      reason="r"),
            lambda: services.nominate(election=nominating, by=world.ana, nominee=world.cy,
                                      reason="s"),
        )  # fmt: skip
        assert len(results) == 1 and len(errors) == 1
        assert Nomination.objects.filter(nominator=world.ana).count() == 1

    def test_two_facilitators_advancing_at_once_one_succeeds(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        results, errors = at_once(
            lambda: services.show_nominations(election=nominating, by=world.fay),
            lambda: services.show_nominations(election=nominating, by=world.leo),
        )
        assert len(results) == 1 and len(errors) == 1
        assert ElectionEvent.objects.filter(action="show_nominations").count() == 1
