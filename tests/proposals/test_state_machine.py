"""Random actions by random personas; after every step the invariants hold:
one position per participant per round, no adoption with an open objection,
no hidden answer visible before reveal (selectors and API rendering), and the
decision log verifies."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core.errors import DomainError
from decisions.services import verify_log
from proposals import api, rounds, selectors, services
from proposals.models import Objection, Proposal, ProposalEvent, Response, Round

from .conftest import build_team

PERSONAS = ["facilitator", "admin", "ana", "bo", "cy", "org_member", "outsider", "anonymous"]
# Weighted towards those who may act, so runs go deep into the process.
persona = st.sampled_from([*PERSONAS, "facilitator", "facilitator", "facilitator", "admin"])
participant = st.sampled_from(["facilitator", "ana", "bo", "cy", "bo", "cy", "org_member"])
reason = st.sampled_from(["", "", "", "Because"])


class ConsentMachine(RuleBasedStateMachine):
    team = None  # set by the test

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        t = self.team
        self.people = {
            "facilitator": t.facilitator,
            "admin": t.admin,
            "ana": t.members[0],
            "bo": t.members[1],
            "cy": t.members[2],
            "org_member": t.org_member,
            "outsider": t.outsider,
            "anonymous": AnonymousUser(),
        }

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def draft(self):
        self.proposal = services.create_proposal(
            circle=self.team.circle, by=self.team.members[0], title="P", body="Text v1"
        )
        self.version = 1

    def _try(self, call):
        before = (
            Response.objects.count(),
            ProposalEvent.objects.count(),
            Proposal.objects.get(pk=self.proposal.pk).state,
        )
        try:
            with transaction.atomic():
                call()
        except DomainError:
            after = (
                Response.objects.count(),
                ProposalEvent.objects.count(),
                Proposal.objects.get(pk=self.proposal.pk).state,
            )
            assert after == before, "a refused action changed something"

    # Steps ----------------------------------------------------------------------

    @rule(who=persona)
    def present(self, who):
        self._try(lambda: services.present(proposal=self.proposal, by=self.people[who]))

    @rule(who=persona, mode=st.sampled_from(["in_turn", "reveal"]))
    def open_clarifying(self, who, mode):
        self._try(
            lambda: services.open_clarifying(proposal=self.proposal, by=self.people[who], mode=mode)
        )

    @rule(who=persona, mode=st.sampled_from(["in_turn", "reveal"]))
    def open_reactions(self, who, mode):
        self._try(
            lambda: services.open_reactions(proposal=self.proposal, by=self.people[who], mode=mode)
        )

    @rule(who=persona, mode=st.sampled_from(["in_turn", "reveal"]))
    def open_round(self, who, mode):
        self._try(
            lambda: services.open_round(proposal=self.proposal, by=self.people[who], mode=mode)
        )

    @rule(who=persona)
    def next_speaker(self, who):
        self._try(lambda: services.next_speaker(proposal=self.proposal, by=self.people[who]))

    @rule(who=persona)
    def close_round(self, who):
        self._try(lambda: services.close_round(proposal=self.proposal, by=self.people[who]))

    @rule(who=persona)
    def amend(self, who):
        self.version += 1
        body = f"Text v{self.version}"
        self._try(
            lambda: services.amend(
                proposal=self.proposal, by=self.people[who], body=body, change_note="c"
            )
        )

    @rule(who=persona, mode=st.sampled_from(["in_turn", "reveal"]), revision=st.integers(0, 4))
    def open_consent(self, who, mode, revision):
        self._try(
            lambda: services.open_consent_round(
                proposal=self.proposal, by=self.people[who], mode=mode, revision=revision or None
            )
        )

    @rule(who=persona)
    def open_async_consent(self, who):
        self._try(
            lambda: services.open_async_consent(
                proposal=self.proposal,
                by=self.people[who],
                deadline=timezone.now() + timedelta(days=1),
            )
        )

    @rule(who=persona)
    def acknowledge(self, who):
        self._try(lambda: services.acknowledge(proposal=self.proposal, by=self.people[who]))

    @rule(who=persona)
    def adopt(self, who):
        self._try(lambda: services.adopt(proposal=self.proposal, by=self.people[who]))

    @rule(
        who=persona,
        how=st.sampled_from(["integrated", "withdrawn", "dropped", "nonsense"]),
        revision=st.integers(0, 4),
        why=reason,
    )
    def resolve(self, who, how, revision, why):
        objection = Objection.objects.filter(proposal=self.proposal).order_by("?").first()
        if objection is None:
            return
        self._try(
            lambda: services.resolve_objection(
                proposal=self.proposal,
                by=self.people[who],
                objection_id=objection.pk,
                resolution=how,
                revision=revision or None,
                reason=why,
            )
        )

    @rule(choice=st.integers(0, 3))
    def facilitator_takes_the_next_step(self, choice):
        """The facilitator does what the process calls for now (keeps runs deep)."""
        p, fay = Proposal.objects.get(pk=self.proposal.pk), self.people["facilitator"]
        open_ = rounds.open_round_of(p)
        S = Proposal.State
        if p.state == S.DRAFT:
            step = lambda: services.present(proposal=p, by=fay)  # noqa: E731
        elif p.state == S.PRESENTED and choice == 0:
            step = lambda: services.open_async_consent(  # noqa: E731
                proposal=p, by=fay, deadline=timezone.now() + timedelta(days=1)
            )
        elif p.state in (S.PRESENTED, S.CLARIFYING):
            step = lambda: services.open_reactions(proposal=p, by=fay, mode="reveal")  # noqa: E731
        elif open_ is not None and p.state != S.CONSENT:
            step = lambda: services.close_round(proposal=p, by=fay)  # noqa: E731
        elif p.state == S.REACTIONS:
            step = lambda: services.open_consent_round(proposal=p, by=fay, mode="reveal")  # noqa: E731
        elif p.state == S.CONSENT:
            step = lambda: services.acknowledge(proposal=p, by=fay)  # noqa: E731
        elif p.state == S.OBJECTIONS and choice == 0:
            step = lambda: services.adopt(proposal=p, by=fay)  # noqa: E731
        elif p.state == S.OBJECTIONS:
            step = lambda: services.open_consent_round(proposal=p, by=fay, mode="reveal")  # noqa: E731
        else:
            return
        self._try(step)

    @rule(who=persona, how=st.sampled_from(["withdraw", "defer", "step_back"]), why=reason)
    def leave_or_step_back(self, who, how, why):
        service = getattr(services, how)
        self._try(lambda: service(proposal=self.proposal, by=self.people[who], reason=why))

    @rule(
        who=participant,
        kind=st.sampled_from(["consent", "object", "pass", "question", "reaction"]),
        text=st.sampled_from(["", "HIDDEN-TEXT"]),
        concern=st.sampled_from(["", "a concern"]),
    )
    def answer(self, who, kind, text, concern):
        self._try(
            lambda: services.answer(
                proposal=self.proposal, by=self.people[who], kind=kind, text=text, concern=concern
            )
        )

    @rule(objector=st.sampled_from([None, "bo", "cy"]))
    def everyone_answers_in_order(self, objector):
        """The whole round, as it goes around the table (one answer each)."""
        round_ = rounds.open_round_of(self.proposal)
        if round_ is None:
            return
        by_id = {u.pk: u for u in self.team.participants}
        for member_id in round_.speakers:
            user = by_id[member_id]
            if round_.kind == Round.Kind.CONSENT:
                objects = objector and user == self.people[objector]
                kind, text = ("object", "HIDDEN-TEXT") if objects else ("consent", "")
            elif round_.kind == Round.Kind.CLARIFYING:
                kind, text = "pass", ""
            else:
                kind, text = "reaction", "HIDDEN-TEXT"
            self._try(
                lambda user=user, kind=kind, text=text: services.answer(
                    proposal=self.proposal, by=user, kind=kind, text=text
                )
            )

    # Invariants -----------------------------------------------------------------

    @invariant()
    def one_position_per_participant_per_round(self):
        doubles = (
            Response.objects.filter(is_position=True, replaced__isnull=True)
            .values("round", "member")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        assert not doubles.exists()

    @invariant()
    def no_adoption_with_an_open_objection(self):
        if not hasattr(self, "proposal"):
            return
        p = Proposal.objects.get(pk=self.proposal.pk)
        if p.state == Proposal.State.ADOPTED:
            assert p.decision_id is not None
            assert not p.objections.filter(state=Objection.State.OPEN).exists()
            assert all(o["state"] != "open" for o in p.decision.record["objections"])

    @invariant()
    def no_hidden_answer_is_visible_before_reveal(self):
        if not hasattr(self, "proposal"):
            return
        open_reveal = rounds.rounds_of(self.proposal).filter(
            mode=Round.Mode.REVEAL, closed__isnull=True
        )
        for round_ in open_reveal:
            for who, user in self.people.items():
                own = {user.pk} if user.is_authenticated else set()
                seen = {r.member_id for r in rounds.visible_responses(round_, user)}
                assert seen <= own, who
                rendered = api._round(round_, user)
                assert {r["member"]["id"] for r in rendered["responses"]} <= own, who
            assert selectors.round_summary(round_)["responses"] == []
            hidden = Objection.objects.filter(response__round=round_)
            assert not set(selectors.objections(self.proposal)) & set(hidden)

    @invariant()
    def the_log_verifies(self):
        assert verify_log(organization_id=self.team.organization.pk).ok


@pytest.mark.django_db
def test_the_consent_process_keeps_its_invariants(make_user):
    ConsentMachine.team = build_team(make_user)
    ConsentMachine.TestCase.settings = settings(
        max_examples=30,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    ConsentMachine.TestCase().runTest()
