"""Real definitions: lists through forms and the API, the set-up, and a change
of definitions that goes through consent once the set-up is finished."""

import json

import pytest
from django.test import Client

from accounts.services import create_api_token
from circles import definitions, rules, services
from circles.models import Circle, Role
from core.errors import Conflict, NotAllowed
from decisions.models import Decision
from proposals import services as proposals
from proposals.models import Proposal, Round

from .conftest import role_of


def _api(user, method, path, payload=None):
    _token, raw = create_api_token(user=user, name="t")
    return getattr(Client(), method)(
        f"/api/v1/orgs/acme{path}",
        data=json.dumps(payload or {}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def _logged(user):
    client = Client()
    client.force_login(user)
    return client


class TestSplitLines:
    def test_it_makes_one_item_per_non_empty_line_without_markers(self):
        text = "- Tools\n\n* The van  \n1. Stock\n  • Prices\nPlain"
        assert definitions.split_lines(text) == ["Tools", "The van", "Stock", "Prices", "Plain"]
        assert definitions.split_lines("") == [] and definitions.split_lines(None) == []


class TestListsRoundTrip:
    def test_the_form_takes_one_item_per_line(self, world):
        response = _logged(world.leader).post(
            "/o/acme/c/ops/edit/",
            {"name": "Ops", "aim": "Run things", "domains": "Tools\n\nVan", "review_months": 12},
        )
        assert response.status_code == 302
        assert Circle.objects.get(pk=world.ops.pk).domains == ["Tools", "Van"]
        page = _logged(world.leader).get("/o/acme/c/ops/edit/").content.decode()
        assert "Tools\nVan</textarea>" in page

    def test_the_api_takes_and_gives_json_arrays(self, world):
        answer = _api(world.leader, "patch", "/circles/ops", {"domains": ["Tools", "Van"]})
        assert answer.status_code == 200 and answer.json()["domains"] == ["Tools", "Van"]
        assert answer.json()["setup_done"] is False
        fac = role_of(world.ops, "facilitator")
        answer = _api(
            world.leader,
            "patch",
            f"/roles/{fac.pk}",
            {"purpose": "Good meetings", "accountabilities": ["Keeps time", "Opens rounds"]},
        )
        assert answer.json()["accountabilities"] == ["Keeps time", "Opens rounds"]
        fac.refresh_from_db()
        assert (fac.purpose, fac.accountabilities) == (
            "Good meetings",
            ["Keeps time", "Opens rounds"],
        )
        record = Decision.objects.filter(record__action="role_updated").last().record
        assert record["after"]["accountabilities"] == ["Keeps time", "Opens rounds"]


class TestSetupToggle:
    @pytest.mark.parametrize(
        ("persona", "finish", "reopen"),
        [
            ("leader", True, True),  # Leo leads Ops and is in Acme (its parent), as its leader
            ("admin", True, True),
            ("facilitator", False, False),
            ("member", False, False),
            ("org_member", False, False),
        ],
    )
    def test_who_may_finish_and_reopen(self, world, persona, finish, reopen):
        user = getattr(world, persona)
        assert bool(rules.may("finish_setup", world.ops, user)) is finish
        world.ops.setup_done = True
        assert bool(rules.may("reopen_setup", world.ops, user)) is (
            reopen and selectors_leads_parent(world, user)
        )

    def test_finishing_is_a_decision_and_reopening_needs_the_parent(self, world):
        services.set_setup(circle=world.ops, by=world.leader, done=True, reason="Stable")
        world.ops.refresh_from_db()
        assert world.ops.setup_done
        record = Decision.objects.get(record__action="setup_finished").record
        assert record["reason"] == "Stable" and record["by"]["id"] == world.leader.pk
        with pytest.raises(NotAllowed):
            services.set_setup(circle=world.ops, by=world.facilitator, done=False)
        services.set_setup(circle=world.ops, by=world.admin, done=False)
        assert not Circle.objects.get(pk=world.ops.pk).setup_done
        assert Decision.objects.filter(record__action="setup_reopened").count() == 1

    def test_the_api_toggles_it(self, world):
        answer = _api(world.leader, "post", "/circles/ops/setup", {"done": True})
        assert answer.status_code == 200 and answer.json()["setup_done"] is True
        answer = _api(world.member, "post", "/circles/ops/setup", {"done": False})
        assert answer.status_code == 403
        assert Circle.objects.get(pk=world.ops.pk).setup_done


def selectors_leads_parent(world, user):
    from circles import selectors

    return selectors.can_manage_children(user, world.root)


@pytest.fixture
def settled(world):
    services.set_setup(circle=world.ops, by=world.leader, done=True)
    world.ops.refresh_from_db()
    return world


class TestDirectChangesRefusedAfterSetup:
    def test_the_service_refuses_and_says_to_propose(self, settled, snap):
        world = settled
        before = snap(world.org)
        with pytest.raises(Conflict) as refused:
            services.update_circle(
                circle=world.ops, by=world.leader, name="Ops", aim="Other", domains=[]
            )
        assert "Propose this change" in refused.value.message
        with pytest.raises(Conflict):
            services.update_role(
                role=role_of(world.ops, "facilitator"), by=world.leader, purpose="x"
            )
        with pytest.raises(Conflict):
            services.create_role(circle=world.ops, name="Gardener", by=world.leader)
        assert snap(world.org) == before
        # The name alone still changes directly.
        services.update_circle(
            circle=world.ops, by=world.leader, name="Ops 2", aim="Run things", domains=[]
        )
        assert Circle.objects.get(pk=world.ops.pk).name == "Ops 2"

    def test_the_page_and_the_api_refuse_and_change_nothing(self, settled, snap):
        world = settled
        before = snap(world.org)
        page = _logged(world.leader).post(
            "/o/acme/c/ops/edit/",
            {"name": "Ops", "aim": "Other", "domains": "A", "review_months": 12},
        )
        html = page.content.decode()
        assert "Propose this change" in html and "finished its set-up" in html
        assert 'formaction="/o/acme/c/ops/propose/?target=circle"' in html
        answer = _api(world.leader, "patch", "/circles/ops", {"aim": "Other"})
        assert answer.status_code == 409 and "Propose this change" in answer.json()["detail"]
        assert snap(world.org) == before


def _adopt(proposal, world):
    """The circle consents to the proposal, everyone in one reveal round."""
    fay = world.facilitator
    proposals.present(proposal=proposal, by=fay)
    proposals.open_reactions(proposal=proposal, by=fay, mode=Round.Mode.REVEAL)
    proposals.close_round(proposal=proposal, by=fay)
    proposals.open_consent_round(proposal=proposal, by=fay, revision=1, mode=Round.Mode.REVEAL)
    round_ = Round.objects.get(kind="consent", subject_id=proposal.pk)
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(pk__in=round_.speakers):
        proposals.answer(proposal=proposal, by=user, kind="consent")
    proposals.acknowledge(proposal=proposal, by=fay)
    return Proposal.objects.get(pk=proposal.pk)


class TestChangeByConsent:
    def test_a_role_change_is_proposed_adopted_applied_and_recorded_with_a_diff(self, settled):
        world = settled
        fac = role_of(world.ops, "facilitator")
        proposal = services.propose_change(
            circle=world.ops,
            by=world.member,
            target="role",
            role_id=fac.pk,
            accountabilities=["Keeps time", "Opens rounds"],
            reason="Make it explicit",
        )
        assert proposal.circle == world.ops and proposal.state == "draft"
        assert proposal.change["after"]["accountabilities"] == ["Keeps time", "Opens rounds"]
        assert "Keeps time" in proposal.revisions.get().body
        fac.refresh_from_db()
        assert fac.accountabilities == []  # not before the consent
        page = _logged(world.member).get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
        assert "Adopting it changes the role" in page

        proposal = _adopt(proposal, world)
        assert proposal.state == "adopted"
        fac.refresh_from_db()
        assert fac.accountabilities == ["Keeps time", "Opens rounds"]
        definition = proposal.decision.record["definition"]
        assert definition["target"] == "role" and definition["role"]["id"] == fac.pk
        assert definition["changes"] == {
            "accountabilities": {"before": [], "after": ["Keeps time", "Opens rounds"]}
        }

    def test_an_amendment_changes_what_adoption_applies(self, settled):
        """The change follows the latest revision's text: what the circle
        consents to is what becomes the definition."""
        world = settled
        fac = role_of(world.ops, "facilitator")
        proposal = services.propose_change(
            circle=world.ops,
            by=world.member,
            target="role",
            role_id=fac.pk,
            accountabilities=["Keeps time", "Opens rounds"],
            reason="Make it explicit",
        )
        body = proposal.revisions.get().body
        amended = body.replace("- Opens rounds", "- Opens rounds\n- Closes the meeting on time")
        amended = amended.replace("Make it explicit", "Make it explicit, and end on time")
        fay = world.facilitator
        proposals.present(proposal=proposal, by=fay)
        proposals.open_reactions(proposal=proposal, by=fay, mode=Round.Mode.REVEAL)
        proposals.close_round(proposal=proposal, by=fay)
        proposals.amend(proposal=proposal, by=world.member, body=amended, change_note="One more")
        proposal.refresh_from_db()
        assert proposal.change["after"]["accountabilities"] == [
            "Keeps time",
            "Opens rounds",
            "Closes the meeting on time",
        ]
        assert proposal.change["before"]["accountabilities"] == []
        page = _logged(world.member).get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
        assert "Closes the meeting on time" in page

        proposals.open_consent_round(proposal=proposal, by=fay, revision=2, mode="reveal")
        round_ = Round.objects.get(kind="consent", subject_id=proposal.pk)
        from django.contrib.auth import get_user_model

        for user in get_user_model().objects.filter(pk__in=round_.speakers):
            proposals.answer(proposal=proposal, by=user, kind="consent")
        proposals.acknowledge(proposal=proposal, by=fay)
        proposal.refresh_from_db()
        assert proposal.state == "adopted" and proposal.decision.body == amended
        fac.refresh_from_db()
        assert fac.accountabilities == [
            "Keeps time",
            "Opens rounds",
            "Closes the meeting on time",
        ]
        changes = proposal.decision.record["definition"]["changes"]
        assert changes["accountabilities"]["after"][-1] == "Closes the meeting on time"

    def test_an_amendment_read_in_french_and_one_without_the_definition_refused(self, settled):
        from django.utils import translation

        from core.errors import Invalid

        world = settled
        with translation.override("fr"):
            proposal = services.propose_change(
                circle=world.ops, by=world.member, target="new_role", name="Gardener"
            )
        body = proposal.revisions.get().body
        assert "**Nom**" in body
        # The draft's own edit (before presentation) is read the same way.
        proposals.edit_draft(
            proposal=proposal,
            by=world.member,
            title=proposal.title,
            body=body.replace("Gardener", "Jardinier"),
        )
        proposal.refresh_from_db()
        assert proposal.change["after"]["name"] == "Jardinier"
        with pytest.raises(Invalid) as refused:
            proposals.edit_draft(
                proposal=proposal, by=world.member, title="Garden", body="Just a garden."
            )
        assert refused.value.field == "body" and "adopting the proposal applies it" in str(
            refused.value.message
        )
        proposal.refresh_from_db()
        assert proposal.title != "Garden" and proposal.change["after"]["name"] == "Jardinier"
        assert "Jardinier" in proposal.revisions.get().body
        _adopt(proposal, world)
        assert Role.objects.filter(circle=world.ops, name="Jardinier").exists()

    def test_a_new_role_is_created_on_adoption(self, settled):
        world = settled
        proposal = services.propose_change(
            circle=world.ops, by=world.member, target="new_role", name="Gardener", domains="Beds"
        )
        _adopt(proposal, world)
        role = Role.objects.get(circle=world.ops, name="Gardener")
        assert role.domains == ["Beds"] and role.kind == "custom"

    def test_the_circles_own_aim_goes_to_the_parent(self, settled):
        world = settled
        assert rules.deciding_circle(world.ops, "circle") == world.root
        assert rules.deciding_circle(world.root, "circle") == world.root
        proposal = services.propose_change(
            circle=world.ops, by=world.leader, target="circle", aim="Run things well"
        )
        assert proposal.circle == world.root
        assert proposal.change["before"]["aim"] == "Run things"
        # A member of Ops who is not in the parent may not propose it.
        with pytest.raises(NotAllowed):
            services.propose_change(circle=world.ops, by=world.member, target="circle", aim="x")

    def test_the_page_proposes_the_change_prefilled(self, settled):
        world = settled
        client = _logged(world.leader)
        page = client.get("/o/acme/c/ops/propose/?target=circle").content.decode()
        assert "Run things</textarea>" in page
        response = client.post(
            "/o/acme/c/ops/propose/?target=circle",
            {"aim": "Run things well", "domains": "Tools\nVan"},
        )
        proposal = Proposal.objects.get(circle=world.root)
        assert response.status_code == 302 and response.url.endswith(f"/proposals/{proposal.pk}/")
        assert proposal.change["after"] == {"aim": "Run things well", "domains": ["Tools", "Van"]}
        assert Circle.objects.get(pk=world.ops.pk).aim == "Run things"

    def test_the_api_proposes_it(self, settled):
        world = settled
        fac = role_of(world.ops, "facilitator")
        answer = _api(
            world.member,
            "post",
            "/circles/ops/changes",
            {"target": "role", "role_id": fac.pk, "purpose": "Good meetings"},
        )
        assert answer.status_code == 201, answer.content
        proposal = Proposal.objects.get(pk=answer.json()["id"])
        assert proposal.change["after"]["purpose"] == "Good meetings"

    def test_proposing_in_set_up_is_refused(self, world):
        with pytest.raises(Conflict):
            services.propose_change(circle=world.ops, by=world.member, target="new_role", name="X")
