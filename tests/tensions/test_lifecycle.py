"""The life of tensions as a Hypothesis state machine: raise, forward, take,
answer and the moving up of an unrouted one, by people who may and people
who may not. After every step: each tension's history only grew (by one row
for a step taken, by none for a refusal), its state is a legal one with what
it became, and each circle's backlog is exactly its open tensions as the
model expects them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from circles import services as circle_services
from core.errors import DomainError
from tensions import selectors, services
from tensions.models import Tension

pytestmark = pytest.mark.django_db

LEGAL = {
    ("open", ""),
    ("taken", "proposal"),
    ("answered", "answer"),
}


def test_the_life_cycle_of_tensions(world):
    root, ops = world.root, world.ops
    seeds = circle_services.create_circle(parent=root, name="Seeds", slug="seeds", by=world.admin)
    circle_services.add_member(circle=seeds, user=world.bo, by=world.admin)
    deep = circle_services.create_circle(parent=ops, name="Deep", slug="deep", by=world.leader)
    circle_services.add_member(circle=deep, user=world.cy, by=world.admin)
    circles = {c.slug: c for c in (root, ops, seeds, deep)}
    parent = {"acme": None, "ops": "acme", "seeds": "acme", "deep": "ops"}
    members = {
        slug: [u for u in world.everyone if circle_services.selectors.is_circle_member(u, c)]
        for slug, c in circles.items()
    }
    raisers = [world.admin, world.leader, world.member, world.org_member, world.bo]

    class Life(RuleBasedStateMachine):
        @initialize()
        def start(self):
            # Each run starts with no tension of its own (earlier runs' rows closed).
            Tension.objects.filter(state="open").update(
                state="answered", outcome="answer", closed=timezone.now()
            )
            #: pk -> [circle slug, state, outcome, history length]
            self.model: dict[int, list] = {}

        def _check(self, pk, refused: bool):
            tension = Tension.objects.get(pk=pk)
            before = self.model[pk][3]
            grown = tension.events.count()
            assert grown == before + (0 if refused else 1)
            self.model[pk][3] = grown

        @rule(raiser=st.sampled_from(raisers), where=st.sampled_from([None, *circles]))
        def raise_one(self, raiser, where):
            tension = services.raise_tension(
                organization=world.org,
                circle=circles[where] if where else None,
                by=raiser,
                title="A tension",
                what_is="Something is off.",
            )
            self.model[tension.pk] = [where or "acme", "open", "", 1]

        def _pick(self, data):
            return data.draw(st.sampled_from(sorted(self.model)))

        @precondition(lambda self: self.model)
        @rule(data=st.data(), by_member=st.booleans())
        def forward(self, data, by_member):
            pk = self._pick(data)
            slug, state = self.model[pk][0], self.model[pk][1]
            routes = [r.circle.slug for r in selectors.routes(circles[slug])]
            to = data.draw(st.sampled_from([*routes, "nowhere"]))
            user = data.draw(st.sampled_from(members[slug] if by_member else [world.org_member]))
            allowed = state == "open" and to != "nowhere" and user in members[slug]
            try:
                services.forward(tension=Tension(pk=pk), by=user, to=to, reason="Its domain")
            except DomainError:
                assert not allowed
                self._check(pk, refused=True)
                return
            assert allowed
            self.model[pk][0] = to
            self._check(pk, refused=False)

        @precondition(lambda self: self.model)
        @rule(data=st.data(), answer=st.booleans())
        def take_or_answer(self, data, answer):
            pk = self._pick(data)
            slug, state = self.model[pk][0], self.model[pk][1]
            user = data.draw(st.sampled_from([*members[slug], world.org_member]))
            allowed = state == "open" and user in members[slug]
            try:
                if answer:
                    services.answer(tension=Tension(pk=pk), by=user, text="Answered.")
                else:
                    services.take(tension=Tension(pk=pk), by=user, outcome="proposal")
            except DomainError:
                assert not allowed
                self._check(pk, refused=True)
                return
            assert allowed
            self.model[pk][1:3] = ["answered", "answer"] if answer else ["taken", "proposal"]
            self._check(pk, refused=False)

        @precondition(lambda self: self.model)
        @rule(data=st.data())
        def escalate(self, data):
            pk = self._pick(data)
            Tension.objects.filter(pk=pk).update(arrived=timezone.now() - timedelta(days=30))
            services.escalate_unrouted()
            slug, state = self.model[pk][0], self.model[pk][1]
            moves = state == "open" and parent[slug] is not None
            if moves:
                self.model[pk][0] = parent[slug]
            self._check(pk, refused=not moves)

        @invariant()
        def states_are_legal_and_backlogs_are_the_open_tensions(self):
            for pk, (slug, state, outcome, _n) in self.model.items():
                tension = Tension.objects.get(pk=pk)
                assert (tension.state, tension.outcome) in LEGAL
                assert (tension.circle.slug, tension.state, tension.outcome) == (
                    slug,
                    state,
                    outcome,
                )
            for slug, circle in circles.items():
                expected = {
                    pk
                    for pk, (where, state, _o, _n) in self.model.items()
                    if where == slug and state == "open"
                }
                assert {t.pk for t in selectors.backlog(circle)} == expected

    run_state_machine_as_test(
        Life,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
