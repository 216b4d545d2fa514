"""Who may do what: every action, every persona, through the services and the
API; a refusal changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError, NotAllowed, NotFound
from proposals import services
from proposals.models import Objection, Proposal, ProposalEvent, Response, Revision
from proposals.templatetags.proposals_tags import step_url

from .conftest import api_url

PERSONAS = ["anonymous", "outsider", "other_org", "org_member", "member", "facilitator", "admin"]


def _who(team, persona):
    from django.contrib.auth.models import AnonymousUser

    return {
        "anonymous": AnonymousUser(),
        "outsider": team.outsider,
        "other_org": team.other_org,
        "org_member": team.org_member,
        "member": team.members[1],
        "facilitator": team.facilitator,
        "admin": team.admin,
    }[persona]


def _snapshot():
    return (
        list(Proposal.objects.values_list("pk", "state", "title", "decision_id")),
        Revision.objects.count(),
        Response.objects.count(),
        list(Objection.objects.values_list("pk", "state")),
        ProposalEvent.objects.count(),
    )


def _make(team, state):
    fay, ana = team.facilitator, team.members[0]
    p = services.create_proposal(circle=team.circle, by=ana, title="P", body="Text")
    if state == "draft":
        return p
    services.present(proposal=p, by=fay)
    if state == "presented":
        return p
    services.open_reactions(proposal=p, by=fay, mode="reveal")
    if state == "reactions":
        return p
    services.close_round(proposal=p, by=fay)
    services.open_consent_round(proposal=p, by=fay, mode="reveal")
    if state == "consent":
        return p
    services.answer(proposal=p, by=team.members[2], kind="object", text="No")
    services.acknowledge(proposal=p, by=fay)
    return p  # objections


#: (action, state it needs, how to call it, personas allowed)
FACILITATORS = {"facilitator", "admin"}
CASES = [
    ("present", "draft", lambda p, by: services.present(proposal=p, by=by), FACILITATORS),
    ("open_clarifying", "presented",
     lambda p, by: services.open_clarifying(proposal=p, by=by), FACILITATORS),
    ("open_reactions", "presented",
     lambda p, by: services.open_reactions(proposal=p, by=by), FACILITATORS),
    ("close_round", "reactions", lambda p, by: services.close_round(proposal=p, by=by),
     FACILITATORS),
    ("open_consent", "presented", None, None),  # the table refuses: covered in test_process
    ("open_async_consent", "presented",
     lambda p, by: services.open_async_consent(
         proposal=p, by=by, deadline=timezone.now() + timedelta(days=1)), FACILITATORS),
    ("acknowledge", "consent", lambda p, by: services.acknowledge(proposal=p, by=by),
     FACILITATORS),
    ("step_back", "presented",
     lambda p, by: services.step_back(proposal=p, by=by, reason="why"), FACILITATORS),
    ("defer", "presented", lambda p, by: services.defer(proposal=p, by=by, reason="later"),
     FACILITATORS),
    ("withdraw", "presented", lambda p, by: services.withdraw(proposal=p, by=by, reason="no"),
     FACILITATORS),
    ("resolve_objection", "objections",
     lambda p, by: services.resolve_objection(
         proposal=p, by=by, objection_id=Objection.objects.get().pk, resolution="dropped",
         reason="The circle consents to drop it"), FACILITATORS),
    ("answer", "consent", lambda p, by: services.answer(proposal=p, by=by, kind="consent"),
     {"member", "facilitator"}),
    ("edit_draft", "draft",
     lambda p, by: services.edit_draft(proposal=p, by=by, title="T2", body="B2"), set()),
    ("amend", "reactions", None, None),  # open round: covered below
]  # fmt: skip
CASES = [c for c in CASES if c[2] is not None]


class TestAuthorizationMatrixThroughServices:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
    def test_it_allows_only_the_right_people(self, team, case, persona):
        _name, state, call, allowed = case
        p = _make(team, state)
        by = _who(team, persona)
        before = _snapshot()
        if persona in allowed:
            call(p, by)
            assert _snapshot() != before
        else:
            with pytest.raises(DomainError) as exc:
                call(p, by)
            assert isinstance(exc.value, (NotAllowed, NotFound))
            assert _snapshot() == before

    def test_only_the_author_edits_a_draft_and_replies(self, team):
        p = _make(team, "draft")
        services.edit_draft(proposal=p, by=team.members[0], title="T2", body="B2")
        assert Proposal.objects.get(pk=p.pk).title == "T2"

    def test_the_author_may_amend_and_withdraw_but_not_move_the_process(self, team):
        p = _make(team, "objections")
        services.amend(proposal=p, by=team.members[0], body="New", change_note="n")
        before = _snapshot()
        with pytest.raises(NotAllowed):
            services.open_consent_round(proposal=p, by=team.members[0])
        assert _snapshot() == before
        with pytest.raises(NotAllowed):
            services.amend(proposal=p, by=team.members[1], body="Other", change_note="n")
        assert _snapshot() == before

    def test_only_the_objector_withdraws_an_objection(self, team):
        p = _make(team, "objections")
        o = Objection.objects.get()
        with pytest.raises(NotAllowed):
            services.resolve_objection(
                proposal=p, by=team.members[1], objection_id=o.pk, resolution="withdrawn"
            )
        services.resolve_objection(
            proposal=p, by=team.members[2], objection_id=o.pk, resolution="withdrawn"
        )
        assert Objection.objects.get().state == "withdrawn"

    def test_a_member_who_is_not_a_participant_cannot_answer(self, team):
        p = _make(team, "consent")
        before = _snapshot()
        with pytest.raises(NotAllowed):
            services.answer(proposal=p, by=team.org_member, kind="consent")
        assert _snapshot() == before


API_CASES = [
    ("present", "draft", "present", {}),
    ("open_clarifying", "presented", "clarifying", {}),
    ("close_round", "reactions", "rounds/close", None),
    ("acknowledge", "consent", "acknowledge", {}),
    ("step_back", "presented", "step-back", {"reason": "why"}),
    ("withdraw", "presented", "withdraw", {"reason": "why"}),
    ("answer", "consent", "answers", {"kind": "consent"}),
]
API_ALLOWED = {"answer": {"member", "facilitator"}}


class TestAuthorizationMatrixThroughTheApi:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
    def test_it_allows_only_the_right_people(self, client, team, case, persona):
        name, state, path, payload = case
        p = _make(team, state)
        by = _who(team, persona)
        if persona != "anonymous":
            client.force_login(by)
        before = _snapshot()
        kwargs = {"content_type": "application/json"} if payload is not None else {}
        args = [payload] if payload is not None else []
        r = client.post(api_url(p, f"/{path}"), *args, **kwargs)
        allowed = API_ALLOWED.get(name, FACILITATORS)
        if persona in allowed:
            assert r.status_code == 200, r.content
            assert _snapshot() != before
        else:
            expected = {"anonymous": 401, "outsider": 404, "other_org": 404}.get(persona, 403)
            assert r.status_code == expected, r.content
            assert _snapshot() == before


class TestAuthorizationThroughPages:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_facilitators_present_from_the_page(self, client, team, persona):
        p = _make(team, "draft")
        if persona != "anonymous":
            client.force_login(_who(team, persona))
        before = _snapshot()
        url = step_url(p, "present")
        r = client.post(url)
        if persona in FACILITATORS:
            assert Proposal.objects.get(pk=p.pk).state == "presented"
        else:
            assert r.status_code in (302, 404)
            assert _snapshot() == before
