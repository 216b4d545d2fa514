"""The round machinery shared by proposals and elections."""

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Conflict, Invalid, NotAllowed
from proposals import rounds
from proposals.models import Proposal, Response, Round


class TestSpeakerOrder:
    def test_it_goes_around_from_the_first_speaker(self):
        assert rounds.speaker_order([1, 2, 3, 4], start_with=3) == [3, 4, 1, 2]

    def test_it_puts_the_given_person_last(self):
        assert rounds.speaker_order([1, 2, 3, 4], last=2) == [3, 4, 1, 2]
        assert rounds.speaker_order([1, 2, 3, 4], last=4) == [1, 2, 3, 4]

    def test_it_refuses_a_first_speaker_who_does_not_take_part(self):
        with pytest.raises(Invalid):
            rounds.speaker_order([1, 2], start_with=9)

    @given(st.lists(st.integers(1, 50), min_size=1, max_size=20, unique=True), st.data())
    def test_everyone_speaks_once_and_last_is_last(self, ids, data):
        last = data.draw(st.sampled_from(ids))
        order = rounds.speaker_order(ids, last=last)
        assert sorted(order) == sorted(ids)
        assert order[-1] == last


@pytest.fixture
def people(make_user):
    return [make_user(n) for n in ("ana", "bo", "cy")]


@pytest.fixture
def proposal(db, people):
    from circles.models import Circle, Organization

    org = Organization.objects.create(name="O", slug="o")
    circle = Circle.objects.create(organization=org, name="C", slug="c")
    return Proposal.objects.create(circle=circle, author=people[0], title="P")


def _open(proposal, people, **kw):
    with transaction.atomic():
        return rounds.open_round(
            subject=proposal, participant_ids=[p.pk for p in people], by=people[0], **kw
        )


class TestConsentRound:
    def test_only_the_current_speaker_answers_in_turn(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CONSENT)
        with pytest.raises(Conflict):
            rounds.respond(round_=r, member=people[1], kind="consent")
        rounds.respond(round_=r, member=people[0], kind="consent")
        r.refresh_from_db()
        assert r.current_speaker_id == people[1].pk

    def test_an_objection_needs_a_reason_and_a_pass_is_refused(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CONSENT, mode=Round.Mode.REVEAL)
        with pytest.raises(Invalid):
            rounds.respond(round_=r, member=people[0], kind="object", text="  ")
        with pytest.raises(Invalid):
            rounds.respond(round_=r, member=people[0], kind="pass")
        assert not Response.objects.exists()

    def test_a_changed_position_replaces_the_old_one_and_keeps_it(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CONSENT, mode=Round.Mode.REVEAL)
        rounds.respond(round_=r, member=people[0], kind="object", text="Too costly")
        rounds.respond(round_=r, member=people[0], kind="consent", concern="Watch the cost")
        current = list(rounds.current_responses(r))
        assert [(x.kind, x.concern) for x in current] == [("consent", "Watch the cost")]
        assert Response.objects.filter(round=r, member=people[0]).count() == 2

    def test_a_reveal_round_hides_answers_from_others_until_it_closes(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CONSENT, mode=Round.Mode.REVEAL)
        rounds.respond(round_=r, member=people[0], kind="object", text="Secret reason")
        assert rounds.visible_responses(r, people[1]) == []
        assert [x.text for x in rounds.visible_responses(r, people[0])] == ["Secret reason"]
        assert rounds.progress(r) == (1, 3)
        with transaction.atomic():
            r = rounds.close_round(round_=r)
        assert [x.text for x in rounds.visible_responses(r, people[1])] == ["Secret reason"]

    def test_no_answer_after_the_round_closed(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CONSENT, mode=Round.Mode.REVEAL)
        rounds.close_round(round_=r)
        with pytest.raises(Conflict):
            rounds.respond(round_=r, member=people[0], kind="consent")

    def test_an_outsider_cannot_answer(self, proposal, people, make_user):
        r = _open(proposal, people, kind=Round.Kind.CONSENT, mode=Round.Mode.REVEAL)
        with pytest.raises(NotAllowed):
            rounds.respond(round_=r, member=make_user("zed"), kind="consent")

    def test_one_open_round_per_subject(self, proposal, people):
        _open(proposal, people, kind=Round.Kind.CLARIFYING)
        with pytest.raises(Conflict):
            _open(proposal, people, kind=Round.Kind.REACTION)


class TestClarifyingRound:
    def test_passing_is_allowed_and_moves_the_turn(self, proposal, people):
        r = _open(proposal, people, kind=Round.Kind.CLARIFYING, start_with=people[1].pk)
        rounds.respond(round_=r, member=people[1], kind="pass")
        r.refresh_from_db()
        assert r.current_speaker_id == people[2].pk
