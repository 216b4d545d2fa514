"""The proposal pages and the API, as members and a facilitator use them."""

import pytest
from django.urls import reverse

from core.idempotency import new_key
from proposals import services
from proposals.models import Proposal, Response
from proposals.templatetags.proposals_tags import step_url

from .conftest import api_url

TEXT = "Plain text <script>alert(1)</script> and **bold**."


@pytest.fixture
def proposal(team):
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="Flour", body=TEXT)
    services.present(proposal=p, by=team.facilitator)
    return p


def _detail(p):
    return reverse("proposals:detail", kwargs={"org": "acme", "pk": p.pk})


def _act(p, action):
    return step_url(p, action)


class TestProposalPage:
    def test_it_renders_markdown_and_never_script(self, client, team, proposal):
        client.force_login(team.members[1])
        html = client.get(_detail(proposal)).content.decode()
        assert "<strong>bold</strong>" in html
        assert "<script>alert" not in html and "&lt;script&gt;" in html

    def test_it_shows_the_facilitator_only_the_allowed_buttons(self, client, team, proposal):
        client.force_login(team.facilitator)
        html = client.get(_detail(proposal)).content.decode()
        assert _act(proposal, "open_clarifying") in html
        assert _act(proposal, "acknowledge") not in html
        client.force_login(team.members[1])
        html = client.get(_detail(proposal)).content.decode()
        assert _act(proposal, "open_clarifying") not in html

    def test_it_hides_the_page_from_outsiders(self, client, team, proposal):
        for who in (team.outsider, team.other_org):
            client.force_login(who)
            assert client.get(_detail(proposal)).status_code == 404
        client.logout()
        assert client.get(_detail(proposal)).status_code == 404

    def test_the_list_and_create_pages_work(self, client, team):
        client.force_login(team.members[0])
        url = reverse("proposals:list", kwargs={"org": "acme", "circle": "ops"})
        assert client.get(url).status_code == 200
        create = reverse("proposals:create", kwargs={"org": "acme"}) + "?circle=ops"
        key = new_key()
        data = {"title": "Bikes", "body": "Buy bikes", "idempotency_key": key, "circle": "ops"}
        assert client.post(create, data).status_code == 302
        assert client.post(create, data).status_code == 302  # a double click
        assert Proposal.objects.filter(title="Bikes").count() == 1


class TestRunningItFromThePage:
    def test_a_reveal_round_hides_answers_from_another_member_until_it_closes(
        self, client, team, proposal
    ):
        fay, (_ana, bo, cy) = team.facilitator, team.members
        client.force_login(fay)
        client.post(
            _act(proposal, "open_reactions"), {"mode": "reveal", "idempotency_key": new_key()}
        )
        client.post(_act(proposal, "close_round"), {"idempotency_key": new_key()})
        r = client.post(
            _act(proposal, "open_consent"),
            {"mode": "reveal", "revision": "1", "idempotency_key": new_key()},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 200 and 'id="proposal-process"' in r.content.decode()
        assert Proposal.objects.get(pk=proposal.pk).state == "consent"
        client.force_login(bo)
        answer = step_url(proposal, "answer")
        client.post(
            answer, {"kind": "object", "text": "SECRET-REASON", "idempotency_key": new_key()}
        )
        assert "SECRET-REASON" in client.get(_detail(proposal)).content.decode()
        client.force_login(cy)
        html = client.get(_detail(proposal)).content.decode()
        assert "SECRET-REASON" not in html
        assert f"1 of {len(team.participants)} have answered" in html
        api = client.get(api_url(proposal)).content.decode()
        assert "SECRET-REASON" not in api
        client.force_login(fay)
        client.post(_act(proposal, "acknowledge"), {"idempotency_key": new_key()})
        client.force_login(cy)
        assert "SECRET-REASON" in client.get(_detail(proposal)).content.decode()
        assert Proposal.objects.get(pk=proposal.pk).state == "objections"

    def test_a_refused_action_shows_a_message_and_changes_nothing(self, client, team, proposal):
        client.force_login(team.facilitator)
        r = client.post(
            _act(proposal, "step_back"), {"reason": "", "idempotency_key": new_key()}, follow=True
        )
        assert "Give a reason" in r.content.decode()
        assert Proposal.objects.get(pk=proposal.pk).state == "presented"

    def test_the_diff_marks_insertions_and_deletions(self, client, team, proposal):
        services.open_reactions(proposal=proposal, by=team.facilitator)
        services.close_round(proposal=proposal, by=team.facilitator)
        services.amend(
            proposal=proposal,
            by=team.members[0],
            body="Plain text and **bold** <b>x</b>.",
            change_note="shorter",
        )
        client.force_login(team.members[1])
        url = reverse("proposals:diff", kwargs={"org": "acme", "pk": proposal.pk}) + "?a=1&b=2"
        html = client.get(url).content.decode()
        assert "<del>" in html and "<ins>" in html and "&lt;b&gt;x&lt;/b&gt;" in html


class TestApi:
    def test_a_member_answers_and_the_facilitator_acknowledges(self, client, team, proposal):
        fay, bo = team.facilitator, team.members[1]
        client.force_login(fay)
        r = client.post(
            api_url(proposal, "/async-consent"),
            {"deadline": "2999-01-01T12:00:00Z"},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
        assert r.json()["state"] == "consent" and r.json()["round"]["mode"] == "reveal"
        client.force_login(bo)
        key = new_key()
        for _ in range(2):
            r = client.post(
                api_url(proposal, "/answers"),
                {"kind": "object", "text": "HIDDEN"},
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            assert r.status_code == 200
        assert Response.objects.filter(member=bo).count() == 1
        assert r.json()["round"]["responses"][0]["text"] == "HIDDEN"  # one's own answer
        client.force_login(team.members[2])
        body = client.get(api_url(proposal)).json()
        assert body["round"]["responses"] == [] and body["round"]["answered"] == 1
        assert "HIDDEN" not in str(body)
        r = client.post(
            api_url(proposal, "/answers"),
            {"kind": "pass"},
            content_type="application/json",
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid"

    def test_a_refused_step_answers_409_and_changes_nothing(self, client, team, proposal):
        client.force_login(team.facilitator)
        r = client.post(api_url(proposal, "/present"))
        assert r.status_code == 409 and r.json()["code"] == "conflict"
        assert Proposal.objects.get(pk=proposal.pk).state == "presented"

    def test_the_openapi_document_lists_the_operations(self, client):
        doc = client.get("/api/v1/openapi.json").json()
        ids = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
        assert {
            "list_proposals",
            "create_proposal",
            "answer_round",
            "diff_revisions",
            "open_async_consent",
            "adopt_proposal",
            "step_back",
        } <= ids


class TestInTurnRoundOnThePage:
    def test_it_marks_the_current_speaker_and_records_an_answer_with_htmx(
        self, client, team, proposal
    ):
        ana, bo = team.members[0], team.members[1]
        services.open_clarifying(proposal=proposal, by=team.facilitator, start_with=bo.pk)
        client.force_login(bo)
        html = client.get(_detail(proposal)).content.decode()
        assert f'data-speaker="{bo.pk}"' in html and "It is your turn." in html
        answer = step_url(proposal, "answer")
        r = client.post(
            answer,
            {"kind": "question", "text": "Which mill?", "idempotency_key": new_key()},
            HTTP_HX_REQUEST="true",
        )
        body = r.content.decode()
        assert r.status_code == 200 and "<html" not in body
        assert "Your answer is recorded" in body and "Which mill?" in body
        q = Response.objects.get(member=bo)
        client.force_login(ana)
        html = client.get(_detail(proposal)).content.decode()
        reply = step_url(proposal, "reply", response_id=q.pk)
        assert reply in html
        client.post(reply, {"text": "Kervignac", "idempotency_key": new_key()})
        assert Response.objects.get(pk=q.pk).reply == "Kervignac"
