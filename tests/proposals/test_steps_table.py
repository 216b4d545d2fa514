"""Every step of the table is reachable from the page and from the API, and a
refused step is refused the same way through the service, the page (the
message shown) and the API (status, code and detail)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from django.utils.html import escape

from core.errors import Conflict, DomainError
from proposals import selectors, services, steps, views
from proposals.models import Objection, ProposalEvent, Response
from proposals.steps import STEPS
from proposals.templatetags.proposals_tags import step_url

NAMES = [step.name for step in STEPS]


@pytest.fixture
def proposal(team):
    """Integrating objections, with a clarifying question asked and an objection open."""
    fay, (ana, bo, cy) = team.facilitator, team.members
    p = services.create_proposal(circle=team.circle, by=ana, title="Bikes", body="Buy bikes")
    services.present(proposal=p, by=fay)
    services.open_clarifying(proposal=p, by=fay, mode="reveal")
    services.answer(proposal=p, by=bo, kind="question", text="Which ones?")
    services.open_reactions(proposal=p, by=fay, mode="reveal")
    services.close_round(proposal=p, by=fay)
    services.open_consent_round(proposal=p, by=fay, mode="reveal")
    services.answer(proposal=p, by=cy, kind="object", text="Too dear")
    services.acknowledge(proposal=p, by=fay)
    p.refresh_from_db()
    assert p.state == "objections"
    return p


def _ids(step, proposal) -> dict:
    found = {}
    for name in steps.ids_of(step):
        if name == "objection_id":
            found[name] = Objection.objects.get(proposal=proposal).pk
        elif name == "response_id":
            found[name] = Response.objects.get(kind="question").pk
        else:  # pragma: no cover - a new kind of id needs its sample here
            raise AssertionError(name)
    return found


def _input(step, team) -> dict:
    """A well-formed input for the step's schema (so the refusal is the step's)."""
    sample = {
        "deadline": (timezone.now() + timedelta(days=1)).isoformat(),
        "kind": "consent",
        "member": team.facilitator.pk,
        "resolution": "dropped",
        "title": "T",
        "body": "Another text",
        "change_note": "n",
        "reason": "because",
        "text": "t",
    }
    fields = step.input.model_fields if step.input is not None else {}
    return {k: v for k, v in sample.items() if k in fields}


@pytest.fixture
def openapi(client, team):
    client.force_login(team.members[0])
    return client.get("/api/v1/openapi.json").json()


class TestEveryStepIsReachable:
    def test_the_table_names_every_service_of_the_process(self):
        for step in STEPS:
            assert callable(step.call()), step.name
        assert set(NAMES) >= {
            "present", "open_clarifying", "open_reactions", "open_round", "next_speaker",
            "close_round", "amend", "open_consent", "open_async_consent", "acknowledge",
            "resolve_objection", "adopt", "withdraw", "defer", "step_back", "answer",
            "answer_for", "reply", "edit_draft",
        }  # fmt: skip

    @pytest.mark.parametrize("name", NAMES)
    def test_from_the_page(self, team, proposal, name):
        step = STEPS[name]
        url = step_url(proposal, name, **_ids(step, proposal))
        match = resolve(url)
        if step.extra.get("place") == "page":
            assert match.func is views.edit
        else:
            assert match.func is views.act
            assert steps.match(match.kwargs["segment"])[0] is step

    @pytest.mark.parametrize("name", NAMES)
    def test_from_the_api(self, openapi, name):
        step = STEPS[name]
        path = "/api/v1" + steps.api_path(step)
        operation = openapi["paths"][path][step.extra.get("method", "POST").lower()]
        assert operation["operationId"] == step.extra["operation_id"]
        assert "Idempotency-Key" in {p["name"] for p in operation.get("parameters", [])}
        if step.input is not None:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body["$ref"].endswith("/" + step.input.__name__)


def _refused_everywhere(client, team, proposal, name, by):
    step = STEPS[name]
    ids, data = _ids(step, proposal), _input(step, team)
    events = ProposalEvent.objects.count()
    answers = Response.objects.count()

    with pytest.raises(DomainError) as refused:
        step.call()(proposal=proposal, by=by, key=None, **ids, **data)
    error = refused.value

    client.force_login(by)
    page = client.post(step_url(proposal, name, **ids), data, follow=True)
    assert escape(error.message) in page.content.decode(), (name, error.message)

    url = "/api/v1" + steps.api_path(step).format(
        org=proposal.circle.organization.slug, proposal_id=proposal.pk, **ids
    )
    send = client.put if step.extra.get("method") == "PUT" else client.post
    api = send(url, data, content_type="application/json")
    assert (api.status_code, api.json()["code"], api.json()["detail"]) == (
        error.status,
        error.code,
        error.message,
    ), name

    assert (ProposalEvent.objects.count(), Response.objects.count()) == (events, answers)
    return error


class TestARefusalIsTheSameEverywhere:
    @pytest.mark.parametrize("name", NAMES)
    def test_the_wrong_person(self, client, team, proposal, name):
        # A member of the organization, not of the circle: no role of the table.
        error = _refused_everywhere(client, team, proposal, name, team.org_member)
        assert error.status == 403
        assert not STEPS.may(name, proposal, team.org_member)

    @pytest.mark.parametrize(
        ("name", "actors"),
        [
            ("amend", "the facilitator or the author of the proposal"),
            ("resolve_objection", "the facilitator or the objector"),
        ],
    )
    def test_a_step_of_several_roles_names_them_all(self, client, team, proposal, name, actors):
        error = _refused_everywhere(client, team, proposal, name, team.org_member)
        assert error.message == f"“{STEPS[name].label}”: only {actors} may take this step."

    @pytest.mark.parametrize(
        "name", ["present", "open_clarifying", "open_reactions", "acknowledge", "close_round"]
    )
    def test_the_wrong_state(self, client, team, proposal, name):
        error = _refused_everywhere(client, team, proposal, name, team.facilitator)
        assert isinstance(error, Conflict)
        assert STEPS.may(name, proposal, team.facilitator).message == error.message


class TestWhoResolvesWhichObjection:
    def test_the_table_decides_and_the_page_offers_exactly_that(self, client, team, proposal):
        from proposals import selectors

        objection = Objection.objects.get(proposal=proposal)
        ways = {
            who: selectors.viewer_data(proposal, user)["resolve"]
            for who, user in [
                ("facilitator", team.facilitator),
                ("objector", team.members[2]),
                ("other", team.members[1]),
            ]
        }
        assert [w["resolutions"] for w in ways["facilitator"]] == [["integrated", "dropped"]]
        assert [w["resolutions"] for w in ways["objector"]] == [["withdrawn"]]
        assert ways["other"] == []
        assert steps.resolutions(proposal, objection, team.members[2]) == ["withdrawn"]
        client.force_login(team.members[1])
        html = client.get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
        assert step_url(proposal, "resolve_objection", objection_id=objection.pk) not in html
        client.force_login(team.members[2])
        html = client.get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
        assert step_url(proposal, "resolve_objection", objection_id=objection.pk) in html
        assert 'value="withdrawn"' in html and 'value="dropped"' not in html


class TestTheButtonsAreTheTablesAnswers:
    """``allowed`` compares the state first and asks the actor and the guard
    only of the steps the state offers: the same list as asking ``may`` of
    every step, for everyone, at every state a proposal goes through."""

    def test_allowed_is_may_of_every_step(self, team):
        fay, (ana, bo, cy) = team.facilitator, team.members
        people = [fay, ana, bo, cy, team.admin, team.org_member, team.outsider]
        p = services.create_proposal(circle=team.circle, by=ana, title="Bikes", body="Buy bikes")
        walk = [
            lambda: services.present(proposal=p, by=fay),
            lambda: services.open_clarifying(proposal=p, by=fay, mode="reveal"),
            lambda: services.answer(proposal=p, by=bo, kind="question", text="Which ones?"),
            lambda: services.open_reactions(proposal=p, by=fay, mode="in_turn"),
            lambda: services.close_round(proposal=p, by=fay),
            lambda: services.open_consent_round(proposal=p, by=fay, mode="reveal"),
            lambda: services.answer(proposal=p, by=cy, kind="object", text="Too dear"),
            lambda: services.acknowledge(proposal=p, by=fay),
        ]
        seen = set()
        for step in [lambda: None, *walk]:
            step()
            p.refresh_from_db()
            seen.add(p.state)
            for user in people:
                everyone = [name for name in NAMES if STEPS.may(name, p, user)]
                assert steps.allowed(p, user) == everyone, (p.state, user)
        assert len(seen) >= 5


class TestWhoSpeaksFirstIsAskedWhereARoundOpens:
    """A step whose input is ``RoundIn`` opens a round and asks who speaks
    first, from the circle's members (``steps.opens_round``); where no such
    step is offered, the members are not read."""

    def test_the_steps_that_open_a_round(self):
        opening = {step.name for step in STEPS if steps.opens_round(step.name)}
        assert opening == {"open_clarifying", "open_reactions", "open_round", "open_consent"}

    def test_each_opening_step_offers_the_members(self, team, client):
        fay, (ana, *_) = team.facilitator, team.members
        p = services.create_proposal(circle=team.circle, by=ana, title="Bikes", body="Buy bikes")
        services.present(proposal=p, by=fay)
        p.refresh_from_db()
        offered = [n for n in steps.allowed(p, fay) if steps.opens_round(n)]
        assert offered == ["open_clarifying", "open_reactions"]
        client.force_login(fay)
        html = client.get(f"/o/acme/proposals/{p.pk}/").content.decode()
        for name in offered:
            picker = html[html.index(f'id="{name}-start"') :]
            picker = picker[: picker.index("</select>")]
            for member in team.members:
                assert f'<option value="{member.pk}">' in picker, (name, member)

    def test_no_round_to_open_reads_no_members(self, team):
        fay, (ana, *_) = team.facilitator, team.members
        p = services.create_proposal(circle=team.circle, by=ana, title="Bikes", body="Buy bikes")
        services.present(proposal=p, by=fay)
        services.open_reactions(proposal=p, by=fay, mode="in_turn")
        services.close_round(proposal=p, by=fay)
        services.open_consent_round(proposal=p, by=fay, mode="in_turn")
        p.refresh_from_db()
        data = selectors.process_data(p)
        with CaptureQueriesContext(connection) as ctx:
            viewer = selectors.viewer_data(p, fay, data)
        assert viewer["actions"], "the facilitator still has buttons"
        assert not any(a["opens_round"] for a in viewer["actions"])
        assert viewer["members"] == []
        member_lists = [
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "accounts_user"')
        ]
        assert not member_lists, member_lists
