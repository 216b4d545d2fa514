"""Concurrency on PostgreSQL, with real connections in threads: the proposal
row lock and the unique constraints make simultaneous actions happen once."""

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from core.idempotency import new_key
from proposals import services
from proposals.models import ProposalEvent, Response, Round

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


@pytest.fixture
def presented(team):
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="P", body="Text")
    services.present(proposal=p, by=team.facilitator)
    return p


class TestConcurrentFacilitators:
    def test_two_facilitators_advancing_at_once_exactly_one_succeeds(self, team, presented):
        results, errors = at_once(
            lambda: services.open_clarifying(proposal=presented, by=team.facilitator),
            lambda: services.open_clarifying(proposal=presented, by=team.admin),
        )
        assert len(results) == 1 and len(errors) == 1
        assert ProposalEvent.objects.filter(action="open_clarifying").count() == 1
        assert Round.objects.filter(kind="clarifying").count() == 1

    def test_two_facilitators_acknowledging_at_once_record_one_decision(self, team, presented):
        from decisions.models import Decision
        from decisions.services import verify_log

        services.open_reactions(proposal=presented, by=team.facilitator, mode="reveal")
        services.close_round(proposal=presented, by=team.facilitator)
        services.open_consent_round(proposal=presented, by=team.facilitator, mode="reveal")
        for u in team.participants:
            services.answer(proposal=presented, by=u, kind="consent")
        results, errors = at_once(
            lambda: services.acknowledge(proposal=presented, by=team.facilitator),
            lambda: services.acknowledge(proposal=presented, by=team.admin),
        )
        assert len(results) == 1 and len(errors) == 1
        assert Decision.objects.filter(kind="policy").count() == 1
        assert verify_log(organization_id=team.organization.pk).ok


class TestConcurrentAnswers:
    @pytest.fixture
    def consent(self, team, presented):
        services.open_reactions(proposal=presented, by=team.facilitator, mode="reveal")
        services.close_round(proposal=presented, by=team.facilitator)
        services.open_consent_round(proposal=presented, by=team.facilitator, mode="reveal")
        return presented

    def test_one_member_answering_twice_at_once_holds_one_position(self, team, consent):
        bo = team.members[1]
        _results, errors = at_once(
            lambda: services.answer(proposal=consent, by=bo, kind="consent"),
            lambda: services.answer(proposal=consent, by=bo, kind="object", text="No"),
        )
        assert not errors
        current = Response.objects.filter(member=bo, is_position=True, replaced__isnull=True)
        assert current.count() == 1

    def test_a_double_submission_with_one_key_answers_once(self, team, consent):
        bo, key = team.members[1], new_key()
        at_once(
            lambda: services.answer(proposal=consent, by=bo, kind="object", text="x", key=key),
            lambda: services.answer(proposal=consent, by=bo, kind="object", text="x", key=key),
        )
        assert Response.objects.filter(member=bo).count() == 1
