"""Search: words in titles and bodies on SQLite; French stemming, ranking and
highlighted snippets on PostgreSQL."""

import pytest
from django.urls import reverse

from logbook import search


def _search(client, q, **extra):
    return client.get(reverse("logbook:search", kwargs={"org": "coop"}), {"q": q, **extra})


class TestSearch:
    def test_it_finds_a_word_in_a_title_or_a_body(self, member_client, log):
        response = _search(member_client, "graines")
        assert [h.decision.sequence for h in response.context["hits"]] == [3]
        assert "<mark>graines</mark>" in response.content.decode()

    def test_every_word_must_match(self, member_client, log):
        assert [
            h.decision.sequence for h in _search(member_client, "réunions heure").context["hits"]
        ] == [1]
        assert _search(member_client, "réunions girafe").context["hits"] == []

    def test_it_filters_by_kind(self, member_client, log):
        assert _search(member_client, "compte", kind="policy").context["hits"] == []

    @pytest.mark.parametrize("q", ["!!!", "?", "&&& ---", "'\"()"])
    def test_punctuation_only_gives_a_message_not_an_error(self, member_client, log, q):
        response = _search(member_client, q)
        assert response.status_code == 200
        assert response.context["hits"] == []
        assert response.context["message"]

    def test_an_unknown_filter_is_explained(self, member_client, log):
        response = _search(member_client, "graines", colour="red")
        assert response.status_code == 200
        assert response.context["error"]

    def test_htmx_gets_only_the_results(self, member_client, log):
        response = member_client.get(
            reverse("logbook:search", kwargs={"org": "coop"}),
            {"q": "graines"},
            HTTP_HX_REQUEST="true",
        )
        assert "<html" not in response.content.decode()
        assert "search-results" in response.content.decode()

    def test_the_snippet_is_escaped(self, member_client, org, circles):
        from .conftest import record

        record(org, kind="other", title="XSS", body="<img src=x onerror=alert(1)> graines")
        html = _search(member_client, "graines").content.decode()
        assert "<img src=x" not in html


@pytest.mark.postgres
class TestPostgresSearch:
    def test_it_stems_french_words(self, member_client, log):
        # "semence" (singular) finds "semences paysannes"; "échanger" finds "échangeons".
        assert [
            h.decision.sequence for h in search.search(log["seeds"].organization, "semence")
        ] == [3]
        assert [
            h.decision.sequence for h in search.search(log["seeds"].organization, "échanger")
        ] == [3]

    def test_it_searches_the_process_record(self, log):
        hits = search.search(log["policy"].organization, "rigide parents")
        assert [h.decision.sequence for h in hits] == [1]

    def test_it_ranks_title_matches_first_and_highlights(self, log, org):
        from .conftest import record

        record(org, kind="other", title="Divers", body="On parle aussi de semences ici.")
        hits = search.search(org, "semences")
        assert hits[0].decision.sequence == 3
        assert any(marked for marked, _text in hits[0].snippet)

    def test_english_organizations_use_english_stemming(self, log, org):
        from .conftest import record

        org.language = "en"
        org.save()
        record(org, kind="other", title="Gardening", body="We are planting gardens")
        assert [h.decision.sequence for h in search.search(org, "garden")] == [6]
