"""Search: words in titles and bodies on SQLite; French stemming, ranking and
highlighted snippets on PostgreSQL."""

import pytest
from django.urls import reverse

from logbook import search

from .conftest import seq


def _search(client, q, **extra):
    return client.get(reverse("logbook:search", kwargs={"org": "acme"}), {"q": q, **extra})


class TestSearch:
    def test_it_finds_a_word_in_a_title_or_a_body(self, member_client, log):
        response = _search(member_client, "graines")
        assert [h.decision.sequence for h in response.context["hits"]] == [seq(3)]
        assert "<mark>graines</mark>" in response.content.decode()

    def test_every_word_must_match(self, member_client, log):
        assert [
            h.decision.sequence for h in _search(member_client, "réunions heure").context["hits"]
        ] == [seq(1)]
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
            reverse("logbook:search", kwargs={"org": "acme"}),
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
    def test_it_stems_french_words(self, member_client, log, org):
        org.language = "fr"  # a French organization (the world's Acme reads English)
        org.save()
        # "semence" (singular) finds "semences paysannes"; "échanger" finds "échangeons".
        assert [
            h.decision.sequence for h in search.search(log["seeds"].organization, "semence")
        ] == [seq(3)]
        assert [
            h.decision.sequence for h in search.search(log["seeds"].organization, "échanger")
        ] == [seq(3)]

    def test_it_searches_the_process_record(self, log):
        hits = search.search(log["policy"].organization, "rigide parents")
        assert [h.decision.sequence for h in hits] == [seq(1)]

    def test_it_ranks_title_matches_first_and_highlights(self, log, org):
        from .conftest import record

        record(org, kind="other", title="Divers", body="On parle aussi de semences ici.")
        hits = search.search(org, "semences")
        assert hits[0].decision.sequence == seq(3)
        assert any(marked for marked, _text in hits[0].snippet)

    def test_english_organizations_use_english_stemming(self, log, org):
        from .conftest import record

        org.language = "en"
        org.save()
        record(org, kind="other", title="Gardening", body="We are planting gardens")
        assert [h.decision.sequence for h in search.search(org, "garden")] == [seq(6)]


@pytest.fixture
def tour(org, circles, alice, bob, log):
    """A policy whose title has an accent, and an objection and a concern in
    its record only."""
    from .conftest import person, record

    return record(
        org,
        kind="policy",
        circle=circles["garden"],
        title="Tournée des fermes",
        body="Le camion passe le jeudi.",
        record={
            "action": "policy_adopted",
            "by": person(alice),
            "objections": [
                {
                    "member": person(bob),
                    "reason": "Le gazole coûte cher",
                    "state": "integrated",
                    "resolution": "Covoiturage",
                    "revision": 2,
                }
            ],
            "concerns": [{"member": person(bob), "text": "Les chemins boueux"}],
        },
    )


def _seqs(org, q):
    return [h.decision.sequence for h in search.search(org, q)]


class TestAccentsCaseAndRecordText:
    """On both backends (the PostgreSQL pass runs them too)."""

    @pytest.mark.parametrize("q", ["Tournée", "tournee", "TOURNÉE", "TOURNEE", "tournée"])
    def test_accents_and_case_do_not_matter(self, org, tour, q):
        assert _seqs(org, q) == [tour.sequence]

    def test_it_finds_an_objection_and_a_concern_in_the_record(self, org, tour, log):
        assert _seqs(org, "gazole") == [tour.sequence]
        assert _seqs(org, "cout gazole") == [tour.sequence]  # "coûte", without its accent
        assert _seqs(org, "chemins boueux") == [tour.sequence]
        assert _seqs(org, "rigide parents") == [log["policy"].sequence]

    def test_the_page_highlights_a_match_in_the_record_text(self, member_client, tour):
        html = _search(member_client, "gazole").content.decode()
        assert "<mark>gazole</mark>" in html

    def test_the_filters_still_apply(self, org, tour):
        assert _seqs(org, "tournee") == [tour.sequence]
        assert search.search(org, "tournee", _filters(org, kind="minutes")) == []

    def test_quotes_and_operators_in_words_are_plain_words(self, org, tour):
        for q in ['"tournee', "tournee OR", "NEAR(tournee)", "tournee*", "-tournee", "title:x"]:
            search.search(org, q)  # never a syntax error


def _filters(org, **params):
    from logbook.selectors import SEARCH_KEYS, parse_filters

    return parse_filters(org, params, allowed=SEARCH_KEYS)


@pytest.mark.postgres
class TestPostgresAccents:
    def test_the_vectors_use_the_unaccented_configurations(self, org, tour):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_fr @@ websearch_to_tsquery('cercle_french', 'tournee'), "
                "search_en @@ websearch_to_tsquery('cercle_english', 'TOURNEE') "
                "FROM decisions_decision WHERE id = %s",
                [tour.pk],
            )
            assert cursor.fetchone() == (True, True)

    def test_english_organizations_fold_accents_too(self, org, tour):
        org.language = "en"
        org.save()
        assert _seqs(org, "tournee") == [tour.sequence]
        assert _seqs(org, "boueux") == [tour.sequence]
