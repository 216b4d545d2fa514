"""Proposals in the JSON API live under their organization, as selections and
meetings do: /api/v1/orgs/{org}/proposals/…; the old /api/v1/proposals forms
are gone (docs/API.md, "Changed in this release")."""

import pytest

from core.idempotency import new_key
from proposals import rounds, services
from proposals.models import Proposal, Response

from .conftest import api_url

JSON = {"content_type": "application/json"}


@pytest.fixture
def consent(team):
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="Flour", body="x")
    services.present(proposal=p, by=team.facilitator)
    services.open_reactions(proposal=p, by=team.facilitator)
    services.close_round(proposal=p, by=team.facilitator)
    services.open_consent_round(proposal=p, by=team.facilitator, mode="reveal")
    return p


class TestUnderTheOrganization:
    def test_it_drafts_a_proposal_in_the_organization_of_the_path(self, client, team):
        client.force_login(team.members[0])
        r = client.post(
            "/api/v1/orgs/acme/proposals",
            {"circle": "ops", "title": "Bread", "body": "Sourdough."},
            HTTP_IDEMPOTENCY_KEY=new_key(),
            **JSON,
        )
        assert r.status_code == 201, r.content
        proposal = Proposal.objects.get(pk=r.json()["id"])
        assert (proposal.circle, proposal.title) == (team.circle, "Bread")
        listed = client.get("/api/v1/orgs/acme/proposals?circle=ops").json()
        assert [p["id"] for p in listed] == [proposal.pk]

    def test_a_proposal_under_another_organization_is_not_found(self, client, team, consent):
        client.force_login(team.other_org)  # a member of "other", which has no such proposal
        assert client.get(f"/api/v1/orgs/other/proposals/{consent.pk}").status_code == 404
        client.force_login(team.facilitator)
        r = client.post(f"/api/v1/orgs/other/proposals/{consent.pk}/rounds/close", **JSON)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert rounds.open_round_of(consent) is not None  # nothing closed

    def test_the_old_paths_are_gone(self, client, team, consent):
        client.force_login(team.members[0])
        assert client.get("/api/v1/proposals?organization=coop").status_code == 404
        r = client.post(
            "/api/v1/proposals",
            {"organization": "coop", "circle": "ops", "title": "B", "body": "b"},
            **JSON,
        )
        assert r.status_code == 404 and not Proposal.objects.filter(title="B").exists()


class TestTheAnswerBody:
    def test_an_answer_is_kind_text_concern_with_the_key_in_the_header(self, client, team, consent):
        member = team.members[1]
        client.force_login(member)
        key = new_key()
        body = {"kind": "object", "text": "Too dear.", "concern": ""}
        for _retry in range(2):
            r = client.post(api_url(consent, "/answers"), body, HTTP_IDEMPOTENCY_KEY=key, **JSON)
            assert r.status_code == 200, r.content
        answers = Response.objects.filter(round__in=rounds.rounds_of(consent), member=member)
        assert [(a.kind, a.text) for a in answers] == [("object", "Too dear.")]

    def test_an_objection_without_its_text_names_the_field(self, client, team, consent):
        client.force_login(team.members[1])
        r = client.post(api_url(consent, "/answers"), {"kind": "object"}, **JSON)
        assert r.status_code == 400 and r.json()["field"] == "text"
        assert not Response.objects.filter(round__in=rounds.rounds_of(consent)).exists()
