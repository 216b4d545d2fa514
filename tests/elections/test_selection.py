"""A whole selection, as a facilitator runs it with the six other members of Ops."""

from datetime import timedelta

import pytest

from circles.health import Health, double_link_health
from circles.models import Membership, RoleAssignment
from core.errors import Conflict, Invalid, NotAllowed
from core.idempotency import new_key
from decisions.models import Decision
from decisions.services import verify_log
from elections import selectors, services
from elections.models import Election, ElectionEvent, Nomination
from proposals.models import Round

from .conftest import nominate_all

CHOICES = {
    "leo": ("ana", "Ana writes clear minutes."),
    "dee": ("cy", "Cy keeps good notes."),
    "fay": ("ana", "Ana is careful."),
    "ana": ("bo", "Bo has the time this year."),
    "bo": ("bo", "I would like to do it."),
    "cy": ("ana", "Ana knows the archive."),
    "mia": ("cy", "Cy is patient."),
}


def run_consent(election, world, answers):
    """answers: {name: (position, reason)} in the round's speaking order."""
    round_ = selectors.current_round(election)
    order = [u for u in round_.speakers]
    by_id = {u.pk: u for u in world.members}
    for uid in order:
        user = by_id[uid]
        name = next(n for n in answers if getattr(world, n).pk == uid)
        position, reason = answers[name]
        services.answer(election=election, by=user, kind=position, text=reason)
    return order


class TestWholeSelection:
    def test_it_runs_with_one_objection_resolved_by_a_shorter_term(self, world, election):
        fay = world.fay
        role = world.roles["secretary"]
        assert election.state == Election.State.SETUP
        # The role review: a small consent step of its own, recorded.
        services.review_role(
            election=election,
            by=fay,
            reason="The archive needs care this year.",
            qualifications=["Writes quickly", "Knows the archive"],
        )
        for member in world.members:
            services.answer_role_change(election=election, by=member, kind="consent")
        services.close_role_change(election=election, by=fay)
        role.refresh_from_db()
        assert role.qualifications == ["Writes quickly", "Knows the archive"]
        review = Decision.objects.filter(record__action="role_updated").get()
        assert review.record["consent"]["reason"].startswith("The archive")

        services.start_nominating(election=election, by=fay)
        nominate_all(world, election, CHOICES)
        services.show_nominations(election=election, by=fay)
        services.start_change_round(election=election, by=fay)
        # cy changes to bo with a reason; ana keeps.
        services.change_nomination(
            election=election, by=world.cy, nominee=world.bo, reason="Bo's reasons convinced me."
        )
        services.change_nomination(election=election, by=world.ana, nominee=world.bo)
        election.refresh_from_db()
        table = selectors.grid(election, world.leo)
        counts = {c["nominee"].pk: (c["first"], c["final"]) for c in table["counts"]}
        assert counts[world.ana.pk] == (3, 2)
        assert counts[world.bo.pk] == (2, 3)
        assert counts[world.cy.pk] == (2, 2)

        services.start_proposing(election=election, by=fay)
        term_end = election.term_start + timedelta(days=365)
        services.propose(
            election=election,
            by=fay,
            nominee=world.ana,
            term_end=term_end,
            reason="Ana's minutes are the clearest; the archive needs her.",
        )
        election.refresh_from_db()
        assert election.state == Election.State.CONSENT
        round_ = selectors.current_round(election)
        assert round_.speakers[-1] == world.ana.pk
        # bo objects: a year is too long while Ana studies.
        answers = {n: ("consent", "") for n in ("leo", "dee", "fay", "mia", "ana", "cy")}
        answers["bo"] = ("object", "A full year is too long while Ana studies.")
        run_consent(election, world, answers)
        with pytest.raises(Conflict):
            services.elect(election=election, by=fay)
        assert not RoleAssignment.objects.filter(role=role).exists()

        # The facilitator amends the proposal: a shorter term; consent again.
        shorter = election.term_start + timedelta(days=180)
        services.propose(
            election=election,
            by=fay,
            nominee=world.ana,
            term_end=shorter,
            reason="Six months, then we review.",
        )
        run_consent(election, world, {n: ("consent", "") for n in CHOICES})
        services.elect(election=election, by=fay)

        election.refresh_from_db()
        assert election.state == Election.State.ELECTED
        assignment = RoleAssignment.objects.get(role=role, ended__isnull=True)
        assert assignment.user == world.ana
        assert assignment.term_end == shorter
        decision = election.decision
        assert decision.kind == Decision.Kind.SELECTION
        assert decision.term_end == shorter
        record = decision.record
        assert record["action"] == "selection_made"
        assert record["person"] == {"id": world.ana.pk, "name": world.ana.name}
        assert record["role"]["qualifications"] == ["Writes quickly", "Knows the archive"]
        assert record["term_end"] == shorter.isoformat()
        assert record["proposal"]["reason"] == "Six months, then we review."
        assert len(record["grid"]) == 7
        cy_row = next(r for r in record["grid"] if r["nominator"]["id"] == world.cy.pk)
        assert cy_row["nominee"]["id"] == world.ana.pk
        assert cy_row["changed_to"]["id"] == world.bo.pk
        assert cy_row["change_reason"] == "Bo's reasons convinced me."
        ana_row = next(r for r in record["grid"] if r["nominator"]["id"] == world.ana.pk)
        assert ana_row["changed_to"] is None
        assert [p["position"] for p in record["positions"]] == ["consent"] * 7
        assert record["positions"][-1]["member"]["id"] == world.ana.pk
        assert record["objections"] == [
            {
                "member": {"id": world.bo.pk, "name": world.bo.name},
                "reason": "A full year is too long while Ana studies.",
                "state": "integrated",
                "resolution": "Six months, then we review.",
                "revision": 2,
            }
        ]
        assert {p["id"] for p in record["participants"]} == {u.pk for u in world.members}
        assert set(record) >= {
            "election",
            "role",
            "person",
            "term_start",
            "term_end",
            "participants",
            "grid",
            "proposal",
            "positions",
            "objections",
        }
        assert verify_log(organization_id=world.org.pk).ok
        actions = list(election.events.values_list("action", flat=True))
        assert actions.count("propose") == 2 and actions[-1] == "elect"

    def test_it_records_a_cancelled_selection_with_its_reason(self, world, nominating):
        services.cancel(election=nominating, by=world.fay, reason="The role is merged.")
        nominating.refresh_from_db()
        assert nominating.state == Election.State.CANCELLED
        assert nominating.decision.record["action"] == "selection_cancelled"
        assert nominating.decision.record["reason"] == "The role is merged."
        assert verify_log(organization_id=world.org.pk).ok

    def test_it_refuses_cancelling_without_a_reason(self, world, nominating):
        with pytest.raises(Invalid):
            services.cancel(election=nominating, by=world.fay, reason="  ")
        nominating.refresh_from_db()
        assert nominating.state == Election.State.NOMINATING


class TestDelegateSelection:
    def test_it_completes_the_double_link(self, world):
        team, fay = world.team, world.fay
        # Dee is Ops's delegate, not yet accepted by the parent circle.
        assert double_link_health(team) == Health.AWAITING_ACCEPTANCE
        election = services.open_election(role=world.roles["delegate"], by=fay)
        services.start_nominating(election=election, by=fay)
        nominate_all(world, election, {n: ("bo", "Bo sees the whole picture.") for n in CHOICES})
        services.show_nominations(election=election, by=fay)
        services.start_proposing(election=election, by=fay)
        # The leader cannot be the delegate.
        with pytest.raises(Invalid):
            services.propose(
                election=election,
                by=fay,
                nominee=world.leo,
                term_end=election.term_end,
                reason="r",
            )
        services.propose(
            election=election,
            by=fay,
            nominee=world.bo,
            term_end=election.term_end,
            reason="Everyone named Bo.",
        )
        run_consent(election, world, {n: ("consent", "") for n in CHOICES})
        services.elect(election=election, by=fay)
        election.refresh_from_db()
        assert Membership.objects.filter(
            circle=world.root, user=world.bo, left__isnull=True
        ).exists()
        # Selected, but the link is whole only once the parent accepts.
        assert double_link_health(team) == Health.AWAITING_ACCEPTANCE
        # The parent objects first (recorded), then accepts (recorded).
        with pytest.raises(NotAllowed):
            services.record_parent_response(election=election, by=fay, accepted=True)
        services.record_parent_response(
            election=election, by=world.admin, accepted=False, reason="Let us talk first."
        )
        assert Decision.objects.filter(record__action="delegate_objected").count() == 1
        assert double_link_health(team) == Health.AWAITING_ACCEPTANCE
        services.record_parent_response(election=election, by=world.admin, accepted=True)
        assert double_link_health(team) == Health.COMPLETE
        election.assignment.refresh_from_db()
        assert election.assignment.parent_acceptance.record["action"] == "delegate_accepted"
        assert double_link_health(team) == Health.COMPLETE
        assert verify_log(organization_id=world.org.pk).ok
        assert (
            ElectionEvent.objects.filter(election=election, action="parent_response").count() == 2
        )


class TestBadInput:
    def test_it_refuses_a_nominee_outside_the_circle(self, world, nominating):
        with pytest.raises(Invalid):
            services.nominate(election=nominating, by=world.ana, nominee=world.otto, reason="r")
        assert not Nomination.objects.exists()

    def test_it_refuses_nominating_twice_in_a_round(self, world, nominating):
        services.nominate(election=nominating, by=world.ana, nominee=world.bo, reason="r")
        with pytest.raises(Conflict):
            services.nominate(election=nominating, by=world.ana, nominee=world.cy, reason="s")
        assert Nomination.objects.get().nominee == world.bo

    def test_it_refuses_a_nomination_without_a_reason(self, world, nominating):
        with pytest.raises(Invalid):
            services.nominate(election=nominating, by=world.ana, nominee=world.bo, reason=" ")
        assert not Nomination.objects.exists()

    def test_it_refuses_showing_nominations_twice(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        services.show_nominations(election=nominating, by=world.fay)
        shown = Election.objects.get(pk=nominating.pk).nominations_shown
        with pytest.raises(Conflict):
            services.show_nominations(election=nominating, by=world.fay)
        assert Election.objects.get(pk=nominating.pk).nominations_shown == shown
        assert ElectionEvent.objects.filter(action="show_nominations").count() == 1

    def test_a_retried_request_does_nothing_twice(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        key = new_key()
        services.show_nominations(election=nominating, by=world.fay, key=key)
        services.show_nominations(election=nominating, by=world.fay, key=key)
        assert ElectionEvent.objects.filter(action="show_nominations").count() == 1

    def test_it_refuses_an_answer_out_of_turn(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        services.show_nominations(election=nominating, by=world.fay)
        services.start_proposing(election=nominating, by=world.fay)
        services.propose(
            election=nominating,
            by=world.fay,
            nominee=world.bo,
            term_end=nominating.term_end,
            reason="r",
        )
        round_ = selectors.current_round(nominating)
        assert round_.mode == Round.Mode.IN_TURN
        # bo speaks last: answering first is out of turn.
        with pytest.raises(Conflict):
            services.answer(election=nominating, by=world.bo, kind="consent")
        assert not round_.responses.exists()

    def test_it_refuses_proposing_a_non_member(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        services.show_nominations(election=nominating, by=world.fay)
        services.start_proposing(election=nominating, by=world.fay)
        with pytest.raises(Invalid):
            services.propose(
                election=nominating,
                by=world.fay,
                nominee=world.otto,
                term_end=nominating.term_end,
                reason="r",
            )
        nominating.refresh_from_db()
        assert nominating.state == Election.State.PROPOSING
        assert nominating.proposed_nominee is None
        assert selectors.current_round(nominating) is None

    def test_it_refuses_a_term_end_before_its_start(self, world, election):
        start = election.term_start
        with pytest.raises(Invalid):
            services.set_term(
                election=election,
                by=world.fay,
                term_start=start,
                term_end=start - timedelta(days=1),
            )
        election.refresh_from_db()
        assert election.term_end > start

    def test_it_refuses_a_proposed_term_end_before_its_start(self, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        services.show_nominations(election=nominating, by=world.fay)
        services.start_proposing(election=nominating, by=world.fay)
        with pytest.raises(Invalid):
            services.propose(
                election=nominating,
                by=world.fay,
                nominee=world.bo,
                term_end=nominating.term_start,
                reason="r",
            )
        nominating.refresh_from_db()
        assert nominating.proposed_term_end is None

    def test_it_refuses_a_second_open_selection_for_a_role(self, world, election):
        with pytest.raises(Conflict):
            services.open_election(role=world.roles["secretary"], by=world.fay)
        assert Election.objects.count() == 1
