"""core.queries: the room's small reads, sorted without an ORDER BY (issue 12,
session 10). They give the rows the database's ordering gives, and their SQL
asks for no ordering."""

from datetime import timedelta

import pytest
from django.core.exceptions import MultipleObjectsReturned
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.queries import in_order, one_or_none
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposals(world):
    """Five proposals of one circle, created out of order, two at the same
    instant (the second key decides between them)."""
    now = timezone.now()
    made = []
    for minutes in (3, 1, 4, 1, 5):
        made.append(
            Proposal.objects.create(
                circle=world.ops,
                author=world.facilitator,
                title=f"P{minutes}",
                created=now - timedelta(minutes=minutes),
            )
        )
    return Proposal.objects.filter(pk__in=[p.pk for p in made])


def _sql(read) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        result = read()
    return result, [q["sql"] for q in ctx.captured_queries]


class TestInOrder:
    @pytest.mark.parametrize(
        "fields",
        [("created", "pk"), ("-created", "pk"), ("created", "-pk"), ("-created", "-pk"), ("pk",)],
    )
    def test_it_gives_the_databases_order(self, proposals, fields):
        expected = list(proposals.order_by(*fields))
        rows, sql = _sql(lambda: in_order(proposals.select_related("circle"), *fields))
        assert [p.pk for p in rows] == [p.pk for p in expected]
        assert len(sql) == 1
        assert "ORDER BY" not in sql[0]

    def test_the_models_own_ordering_is_left_out_too(self, proposals):
        # Proposal's Meta.ordering is -created: a plain read would ask for it.
        assert "ORDER BY" in str(proposals.query)
        rows, sql = _sql(lambda: in_order(proposals, "title"))
        assert [p.title for p in rows] == ["P1", "P1", "P3", "P4", "P5"]
        assert "ORDER BY" not in sql[0]


class TestOneOrNone:
    def test_the_one_row(self, proposals):
        wanted = proposals.get(title="P4")
        row, sql = _sql(lambda: one_or_none(proposals.filter(title="P4")))
        assert row == wanted
        assert "ORDER BY" not in sql[0]

    def test_no_row_is_none(self, proposals):
        assert one_or_none(proposals.filter(title="nothing")) is None

    def test_two_rows_are_an_error_not_a_pick(self, proposals):
        with pytest.raises(MultipleObjectsReturned):
            one_or_none(proposals.filter(title="P1"))

    def test_a_values_list_row(self, proposals):
        wanted = proposals.get(title="P5")
        assert one_or_none(proposals.filter(pk=wanted.pk).values_list("title")) == ("P5",)
