"""The log page: newest first, every filter, keyset pagination, bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logbook.models import DecisionPerson, PersonIndexState

from .conftest import WORLD_ENTRIES, person, record, seq
from .conftest import WORLD_OPS as OPS

#: The world's own entries, newest first: all of them, and those of Ops.
WORLD = list(range(WORLD_ENTRIES, 0, -1))
WORLD_OPS = sorted(OPS, reverse=True)
#: The entries Bo takes part in: the log's four and his joining Ops (9).
BOB = [seq(4), seq(3), seq(2), seq(1), 9]


def _url(**query):
    from urllib.parse import urlencode

    base = reverse("logbook:log", kwargs={"org": "acme"})
    return base + ("?" + urlencode(query) if query else "")


def _seqs(response):
    return [d.sequence for d in response.context["page"].entries]


class TestLogPage:
    def test_it_lists_newest_first_with_the_head_hash(self, member_client, log):
        response = member_client.get(_url())
        assert response.status_code == 200
        assert _seqs(response) == [seq(5), seq(4), seq(3), seq(2), seq(1), *WORLD]
        assert log["old"].hash in response.content.decode()
        assert "Règlement intérieur" in response.content.decode()

    def test_it_filters_by_circle_with_its_sub_circles(self, member_client, log):
        assert _seqs(member_client.get(_url(circle="ops"))) == [seq(3), seq(2), *WORLD_OPS]

    def test_it_filters_by_circle_without_its_sub_circles(self, member_client, log):
        assert _seqs(member_client.get(_url(circle="ops", subcircles="0"))) == [seq(2), *WORLD_OPS]

    def test_the_circle_page_shows_only_that_circle_and_below(self, member_client, log):
        url = reverse("logbook:circle_log", kwargs={"org": "acme", "circle": "ops"})
        response = member_client.get(url)
        assert _seqs(response) == [seq(3), seq(2), *WORLD_OPS]
        assert "Règlement" not in response.content.decode()

    def test_it_filters_by_kind(self, member_client, log):
        assert _seqs(member_client.get(_url(kind="policy"))) == [seq(3), seq(1)]

    def test_it_filters_by_date_range(self, member_client, log):
        assert _seqs(member_client.get(_url(**{"from": "2024-01-01", "to": "2024-12-31"}))) == [
            seq(5)
        ]
        today = timezone.localdate().isoformat()
        assert _seqs(member_client.get(_url(**{"from": today}))) == [
            seq(4),
            seq(3),
            seq(2),
            seq(1),
            *WORLD,
        ]

    def test_it_filters_by_person_who_took_part(self, member_client, log, bob, alice):
        assert _seqs(member_client.get(_url(person=bob.pk))) == BOB
        assert _seqs(member_client.get(_url(person=alice.pk, role="participant"))) == [
            seq(4),
            seq(2),
            seq(1),
        ]

    def test_it_filters_by_person_who_objected(self, member_client, log, bob, alice):
        assert _seqs(member_client.get(_url(person=bob.pk, role="objector"))) == [seq(1)]
        assert _seqs(member_client.get(_url(person=alice.pk, role="objector"))) == []

    def test_it_filters_by_person_who_was_selected(self, member_client, log, bob):
        assert _seqs(member_client.get(_url(person=bob.pk, role="selected"))) == [seq(2)]

    def test_the_person_index_catches_up_with_new_entries(self, member_client, log, org, bob):
        member_client.get(_url(person=bob.pk))
        assert PersonIndexState.objects.get(organization=org).sequence == seq(5)
        record(org, kind="other", title="Later", record={"person": person(bob)})
        assert _seqs(member_client.get(_url(person=bob.pk))) == [seq(6), *BOB]
        assert DecisionPerson.objects.filter(decision__sequence=seq(6)).count() == 1

    def test_it_filters_by_status(self, member_client, log):
        assert _seqs(member_client.get(_url(status="due"))) == [seq(1)]
        assert _seqs(member_client.get(_url(status="overdue"))) == [seq(2)]
        assert _seqs(member_client.get(_url(status="superseded"))) == []
        assert _seqs(member_client.get(_url(status="in_force"))) == [
            seq(5),
            seq(4),
            seq(3),
            seq(2),
            seq(1),
            *WORLD,
        ]

    def test_superseded_entries_leave_in_force(self, member_client, log, org):
        record(org, kind="policy", title="New rules", supersedes=log["policy"])
        assert _seqs(member_client.get(_url(status="superseded"))) == [seq(1)]
        assert seq(1) not in _seqs(member_client.get(_url(status="in_force")))
        assert _seqs(member_client.get(_url(status="due"))) == []


class TestKeysetPagination:
    def test_it_pages_with_before_and_stays_stable_under_new_entries(self, member_client, log, org):
        first = member_client.get(_url(limit=2))
        assert _seqs(first) == [seq(5), seq(4)]
        assert first.context["page"].next_before == seq(4)
        record(org, kind="other", title="New while reading")
        second = member_client.get(_url(limit=2, before=seq(4)))
        assert _seqs(second) == [seq(3), seq(2)]
        assert second.context["page"].next_before == seq(2)
        last = member_client.get(_url(limit=2, before=2))  # past the world's set-up
        assert _seqs(last) == [1]
        assert last.context["page"].next_before is None

    def test_the_next_link_keeps_the_filters(self, member_client, log):
        response = member_client.get(_url(kind="policy", limit=1))
        assert "kind=policy" in response.content.decode()
        assert f"before={seq(3)}" in response.content.decode()

    def test_htmx_gets_only_the_next_entries(self, member_client, log):
        response = member_client.get(_url(limit=2, before=seq(4)), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html
        assert f"#{seq(3)}" in html and f"#{seq(2)}" in html

    def test_a_huge_page_size_is_capped(self, member_client, org, circles):
        for i in range(105):
            record(org, kind="other", title=f"D{i}")
        response = member_client.get(_url(limit=1000000))
        assert len(response.context["page"].entries) == 100


class TestBadInput:
    @pytest.mark.parametrize(
        "query, words",
        [
            ({"colour": "red"}, "Unknown filter: colour"),
            ({"from": "01/02/2024"}, "is not a date"),
            ({"to": "2024-13-45"}, "is not a date"),
            ({"kind": "whim"}, "Unknown kind"),
            ({"status": "lost"}, "Unknown status"),
            ({"person": "bob"}, "is not a number"),
            ({"circle": "nowhere"}, "There is no circle"),
            ({"before": "-3"}, "is not a number"),
            ({"from": "2025-02-01", "to": "2025-01-01"}, "start date comes after"),
        ],
    )
    def test_it_explains_a_bad_filter_in_the_page(self, member_client, log, query, words):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("django.utils.translation.get_language", lambda: "en")
        response = member_client.get(_url(**query), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response.context["error"]
        assert response.context["page"].entries == []

    def test_a_bad_date_range_keeps_what_was_typed(self, member_client, log):
        response = member_client.get(
            _url(**{"from": "2025-02-01", "to": "2025-01-01", "kind": "policy"})
        )
        html = response.content.decode()
        assert "start date comes after" in html
        assert 'name="from" value="2025-02-01"' in html
        assert 'name="to" value="2025-01-01"' in html
        assert '<option value="policy" selected>' in html
        assert 'aria-invalid="true"' in html  # the start date, where the summary links

    def test_a_date_that_is_not_one_is_shown_back_to_correct(self, member_client, log):
        html = member_client.get(_url(**{"from": "01/02/2024"})).content.decode()
        assert 'name="from" value="01/02/2024"' in html


class TestExportLinks:
    def test_the_export_links_carry_the_active_filters(self, member_client, log, bob):
        response = member_client.get(_url(kind="policy", person=bob.pk))
        html = response.content.decode()
        export = reverse("logbook:export", kwargs={"org": "acme", "fmt": "json"})
        assert f"{export}?kind=policy&amp;person={bob.pk}" in html

    def test_a_circle_page_export_carries_its_filters_but_not_the_circle(self, member_client, log):
        url = reverse("logbook:circle_log", kwargs={"org": "acme", "circle": "ops"})
        html = member_client.get(url, {"kind": "selection"}).content.decode()
        export = reverse(
            "logbook:circle_export", kwargs={"org": "acme", "circle": "ops", "fmt": "csv"}
        )
        assert f'{export}?kind=selection"' in html

    def test_without_filters_the_links_are_bare(self, member_client, log):
        html = member_client.get(_url()).content.decode()
        export = reverse("logbook:export", kwargs={"org": "acme", "fmt": "md"})
        assert f'href="{export}"' in html


class TestDuePage:
    def test_it_lists_reviews_and_term_ends_due_or_overdue(self, member_client, log):
        response = member_client.get(reverse("logbook:due", kwargs={"org": "acme"}))
        assert [d.sequence for d in response.context["entries"]] == [seq(2), seq(1)]
        response = member_client.get(
            reverse("logbook:circle_due", kwargs={"org": "acme", "circle": "ops"})
        )
        assert [d.sequence for d in response.context["entries"]] == [seq(2)]


class TestFixedQueries:
    """The log page, a filtered page, a search and a permalink run the same
    number of queries for 20 and for 200 entries."""

    def _fill(self, org, circles, bob, n):
        today = timezone.localdate()
        for i in range(n):
            record(
                org,
                kind="policy" if i % 2 else "other",
                circle=circles["garden"] if i % 3 else circles["seeds"],
                title=f"Politique {i} semences",
                body=f"Texte {i}",
                review_date=today + timedelta(days=i),
                record={"participants": [person(bob)]},
            )

    def _count(self, client, url, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)  # warm the cached verification and the person index
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    @pytest.mark.parametrize(
        "path, query",
        [
            ("log", ""),
            ("log", "?kind=policy&circle=ops&status=in_force"),
            ("log", "?person={bob}&role=participant"),
            ("search", "?q=semences"),
            ("detail", ""),
        ],
    )
    def test_it_runs_a_fixed_number_of_queries(
        self, member_client, org, circles, bob, path, query, django_assert_max_num_queries
    ):
        counts = []
        for n in (20, 180):
            self._fill(org, circles, bob, n)
            kwargs = {"org": "acme"}
            if path == "detail":
                kwargs["seq"] = 10
            url = reverse(f"logbook:{path}", kwargs=kwargs) + query.format(bob=bob.pk)
            counts.append(self._count(member_client, url, django_assert_max_num_queries))
        assert counts[0] == counts[1]
