"""The permalink of a decision: text, diff, process record, hashes, corrections."""

import pytest
from django.urls import reverse

from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from logbook.corrections import supersede

from .conftest import record, seq


def _detail(client, seq):
    return client.get(reverse("logbook:detail", kwargs={"org": "acme", "seq": seq}))


class TestPermalink:
    def test_it_lays_out_the_process_record_of_a_policy(self, member_client, log):
        html = _detail(member_client, seq(1)).content.decode()
        assert "Règlement intérieur" in html
        assert "Trop rigide pour les parents" in html  # the objection
        assert "Tolérance de dix minutes" in html  # how it was resolved
        assert "Réunions trop tôt" in html  # the concern
        assert "Réunion de janvier" in html  # the meeting
        assert log["policy"].hash in html and log["policy"].prev_hash in html

    def test_it_shows_the_election_grid_of_a_selection(self, member_client, log):
        html = _detail(member_client, seq(2)).content.decode()
        assert "Il écrit bien" in html
        assert "Bob" in html

    def test_it_renders_the_text_as_safe_markdown(self, member_client, org, circles):
        record(org, kind="policy", title="T", body="**gras** <script>alert(1)</script>")
        html = _detail(member_client, seq(1)).content.decode()
        assert "<strong>gras</strong>" in html
        assert "<script>alert(1)" not in html

    def test_an_unknown_number_is_a_404(self, member_client, log):
        assert _detail(member_client, 99).status_code == 404

    def test_it_shows_the_diff_from_the_text_it_supersedes(self, member_client, log, org):
        new = record(
            org,
            kind="policy",
            title="Règlement v2",
            body="Les réunions commencent à l'heure.\nOn tourne la parole <b>deux</b> fois.",
            supersedes=log["policy"],
        )
        response = _detail(member_client, new.sequence)
        assert ("delete", "On tourne la parole.") in response.context["diff"]
        assert ("insert", "On tourne la parole <b>deux</b> fois.") in response.context["diff"]
        html = response.content.decode()
        assert "&lt;b&gt;deux&lt;/b&gt;" in html  # escaped by the template
        old_html = _detail(member_client, seq(1)).content.decode()
        assert f"#{new.sequence} Règlement v2" in old_html

    def test_a_review_link_appears_only_when_proposals_can_open_one(self, member_client, log):
        from django.urls import NoReverseMatch
        from django.urls import reverse as rev

        try:
            rev("proposals:create", kwargs={"org": "acme"})
            expected = True
        except NoReverseMatch:
            expected = False
        response = _detail(member_client, seq(1))
        assert (response.context["review_url"] is not None) == expected


class TestSupersede:
    def test_the_facilitator_supersedes_with_a_reason(self, log, facilitator, circles):
        old = log["selection"]  # in the garden, which alice facilitates
        new = supersede(decision=old, by=facilitator, reason="Mauvais nom", body="Corrigé")
        assert new.supersedes_id == old.pk
        assert new.record["reason"] == "Mauvais nom"
        assert Decision.objects.get(pk=old.pk).title == old.title  # nothing edited

    def test_the_page_records_a_correction(self, member_client, log, org):
        url = reverse("logbook:supersede", kwargs={"org": "acme", "seq": seq(1)})
        response = member_client.post(url, {"reason": "Typo", "title": "", "body": "Nouveau"})
        assert response.status_code == 302
        new = org.decisions.get(sequence=seq(6))
        assert new.supersedes.sequence == seq(1) and new.body == "Nouveau"

    def test_a_member_without_a_role_may_not(self, log, org, bob):
        with pytest.raises(NotAllowed):
            supersede(decision=log["policy"], by=bob, reason="x")
        assert org.decisions.count() == seq(5)

    def test_a_reason_is_required(self, log, org, alice):
        with pytest.raises(Invalid):
            supersede(decision=log["policy"], by=alice, reason="  ")
        assert org.decisions.count() == seq(5)

    def test_an_entry_is_superseded_once(self, log, org, alice):
        supersede(decision=log["policy"], by=alice, reason="first")
        with pytest.raises(Conflict):
            supersede(decision=log["policy"], by=alice, reason="second")
        assert org.decisions.count() == seq(6)

    def test_the_page_shows_a_refusal_without_writing(self, client, log, org, bob):
        client.force_login(bob)
        url = reverse("logbook:supersede", kwargs={"org": "acme", "seq": seq(1)})
        assert client.get(url).status_code == 404
        response = client.post(url, {"reason": "x", "body": "y"})
        assert response.status_code == 400
        assert "error-summary" in response.content.decode()
        assert org.decisions.count() == seq(5)
