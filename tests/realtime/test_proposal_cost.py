"""A proposal's room action reads each row it needs once (issue 12, session 7):
the open round, read locked by the step's check, is the round the answer or
the next speaker writes."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.idempotency import new_key
from proposals import rounds
from proposals import services as proposal_services
from proposals.models import Response
from tests.realtime.helpers import presented_in_room

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def in_turn(room_setup):
    """The room's proposal in an in-turn clarifying round."""
    return _in_an_in_turn_round(room_setup, by="fac")


def _in_an_in_turn_round(s, *, by):
    """``s``'s meeting with the proposal presented and ``by`` opening an
    in-turn clarifying round on it."""
    proposal = presented_in_room(s)
    proposal_services.open_clarifying(proposal=proposal, by=s[by], mode="in_turn")
    proposal.refresh_from_db()
    s["proposal"] = proposal
    s["round"] = rounds.open_round_of(proposal)
    return s


def _post(s, who, segment, data=None):
    url = reverse(
        "proposals:act", kwargs={"org": "acme", "pk": s["proposal"].pk, "segment": segment}
    )
    client = _client(s[who])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            url, {**(data or {}), "idempotency_key": new_key()}, headers={"HX-Request": "true"}
        )
    return response, [q["sql"] for q in ctx.captured_queries]


def _speaker(s) -> str:
    """Who of the room's people has the turn in the open round."""
    return next(k for k in ("fac", "ana", "bo") if s[k].pk == s["round"].current_speaker_id)


def _round_reads(sql) -> list[str]:
    return [q for q in sql if q.startswith('SELECT "proposals_round"."id"')]


class TestTheOpenRoundIsReadOnce:
    def test_next_speaker_reads_the_round_once_and_moves_it_on(self, in_turn):
        before = in_turn["round"].current
        response, sql = _post(in_turn, "fac", "rounds/next")
        assert response.status_code == 200
        in_turn["round"].refresh_from_db()
        assert in_turn["round"].current == before + 1
        # The check's locked read, then the broadcast's read of every round.
        assert len(_round_reads(sql)) == 2, _round_reads(sql)
        assert not any('WHERE "proposals_round"."id" =' in q for q in _round_reads(sql))

    def test_an_answer_reads_the_round_once_and_moves_the_turn(self, in_turn):
        round_ = in_turn["round"]
        speaker = round_.current_speaker_id
        response, sql = _post(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why?"}
        )
        assert response.status_code == 200
        assert Response.objects.filter(round=round_, member_id=speaker).count() == 1
        round_.refresh_from_db()
        assert round_.current == 1
        assert len(_round_reads(sql)) == 2, _round_reads(sql)

    def test_an_answer_out_of_turn_is_still_refused_and_changes_nothing(self, in_turn):
        round_ = in_turn["round"]
        speaker = round_.current_speaker_id
        who = next(k for k in ("ana", "bo") if in_turn[k].pk != speaker)
        response, _sql = _post(in_turn, who, "answers", {"kind": "question", "text": "Why?"})
        assert response.status_code == 200
        assert Response.objects.filter(round=round_).count() == 0
        round_.refresh_from_db()
        assert round_.current == 0


def _response_reads(sql) -> list[str]:
    return [q for q in sql if q.startswith('SELECT "proposals_response"."id"')]


class TestTheViewersAnswer:
    def test_in_a_round_that_shows_answers_it_comes_with_the_others(self, in_turn):
        response, sql = _post(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why so?"}
        )
        assert response.status_code == 200
        # The broadcast's read of the round's answers, no second read for the viewer's.
        assert len(_response_reads(sql)) == 1, _response_reads(sql)
        assert "Why so?" in response.content.decode()

    def test_in_a_round_that_hides_answers_it_is_read_alone_and_shown_to_its_author(
        self, room_setup
    ):
        s = room_setup
        proposal = presented_in_room(s)
        proposal_services.open_clarifying(proposal=proposal, by=s["fac"], mode="reveal")
        s["proposal"] = proposal
        response, sql = _post(s, "ana", "answers", {"kind": "question", "text": "Hidden one"})
        assert response.status_code == 200
        assert len(_response_reads(sql)) == 2, _response_reads(sql)
        assert "Hidden one" in response.content.decode()
        # Another member sees neither the text nor that it is Ana's.
        other, _sql = _post(s, "bo", "answers", {"kind": "question", "text": "Mine"})
        assert "Hidden one" not in other.content.decode()


def _session_reads(sql) -> list[str]:
    """Reads of the meeting that runs the proposal (the session port's provider)."""
    joined = '"realtime_meeting"."current_item_id" = "realtime_agendaitem"."id"'
    return [q for q in sql if joined in q]


@pytest.fixture
def led_by_bo(room_setup):
    """The room's meeting led by Bo, a plain member of the circle: he
    facilitates the proposal only through the meeting's session."""
    from realtime import services

    s = room_setup
    s["meeting"] = services.schedule_meeting(
        circle=s["circle"],
        title="Led by Bo",
        scheduled_start=s["meeting"].scheduled_start,
        facilitator=s["bo"],
        by=s["fac"],
    )
    return _in_an_in_turn_round(s, by="bo")


class TestTheRoomsReadIsTheAnswers:
    """After commit the room reads the meeting; the session it gives the
    process it runs is that meeting's, and the acting view takes it with the
    rest of the room's read (issue 12, session 9)."""

    def _from_the_room(self, s, who, segment, data=None):
        from proposals import room

        url = reverse(
            "proposals:act", kwargs={"org": "acme", "pk": s["proposal"].pk, "segment": segment}
        )
        client = _client(s[who])
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url,
                {**(data or {}), "idempotency_key": new_key()},
                headers={"HX-Request": "true", "HX-Target": room.MINE_ID},
            )
        return response, [q["sql"] for q in ctx.captured_queries]

    def test_the_meetings_facilitator_gets_their_controls_without_a_second_session_read(
        self, led_by_bo
    ):
        s = led_by_bo
        before = s["round"].current
        response, sql = self._from_the_room(s, "bo", "rounds/next")
        html = response.content.decode()
        assert response.status_code == 200
        s["round"].refresh_from_db()
        assert s["round"].current == before + 1
        # Bo leads only through the meeting: his part still shows the
        # facilitator's controls (the round's "next" among them).
        assert 'id="proposal-mine"' in html
        assert "rounds/next" in html
        # Read once, by the step's check inside the transaction; after commit
        # the room's meeting gave it.
        assert len(_session_reads(sql)) == 1, _session_reads(sql)

    def test_a_plain_member_may_not_move_the_round_on(self, led_by_bo):
        s = led_by_bo
        if _speaker(s) == "ana":  # a current speaker may pass the turn on
            self._from_the_room(s, "bo", "rounds/next")
            s["round"].refresh_from_db()
        assert _speaker(s) != "ana"
        self._may_not_move_it_on(s, "ana")

    def test_a_meeting_no_longer_open_gives_no_session(self, led_by_bo):
        """Once the meeting closes Bo leads nothing: the circle's facilitator
        alone may move the round on, and Bo's part has no controls."""
        from realtime import services

        s = led_by_bo
        services.close_meeting(meeting=s["meeting"], by=s["bo"])
        self._may_not_move_it_on(s, "bo")

    def _may_not_move_it_on(self, s, who):
        """``who`` asks for the next speaker: refused, the round where it
        was, and no controls in their part."""
        before = s["round"].current
        response, _sql = self._from_the_room(s, who, "rounds/next")
        s["round"].refresh_from_db()
        assert s["round"].current == before
        assert "rounds/next" not in response.content.decode()

    def test_neither_the_history_nor_every_revision_is_read(self, in_turn):
        response, sql = self._from_the_room(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why?"}
        )
        assert response.status_code == 200
        assert not [q for q in sql if "proposals_proposalevent" in q and q.startswith("SELECT")]
        revision_reads = [q for q in sql if q.startswith('SELECT "proposals_revision"."id"')]
        assert len(revision_reads) == 1, revision_reads
        assert "LIMIT 1" in revision_reads[0]
        # The page still shows both (its own read).
        page = _client(in_turn["ana"]).get(
            reverse("proposals:detail", kwargs={"org": "acme", "pk": in_turn["proposal"].pk})
        )
        assert 'id="proposal-history"' in page.content.decode()
        assert 'id="proposal-revisions"' in page.content.decode()

    def test_the_check_asks_one_role_and_the_buttons_read_the_standing_once(self, in_turn):
        """The service's check asks only the role its step names (a member's
        one EXISTS); the viewer's buttons ask every role, read together once
        (``circles.selectors.standing``)."""
        response, sql = self._from_the_room(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why?"}
        )
        assert response.status_code == 200
        membership = [q for q in sql if 'FROM "circles_membership"' in q]
        standing = [q for q in membership if q.startswith("SELECT EXISTS(")]
        assert len(standing) == 1, membership
        assert len(membership) == 2, membership
        assert not [q for q in sql if "circles_roleassignment" in q and q not in standing]

    def test_the_rooms_reads_ask_for_no_ordering(self, in_turn):
        """The agenda, the rounds, their answers, the open round and the
        objections the room reads on every change are sorted in Python
        (``core.queries``): no ORDER BY for Django to build. The objections
        come without their answer's round or revision, which nothing shows."""
        response, sql = self._from_the_room(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why?"}
        )
        assert response.status_code == 200
        assert Response.objects.filter(round=in_turn["round"], text="Why?").exists()
        reads = {
            table: [q for q in sql if q.startswith(f'SELECT "{table}"."id"')]
            for table in (
                "realtime_agendaitem",
                "proposals_round",
                "proposals_response",
                "proposals_objection",
            )
        }
        assert all(reads.values()), reads
        ordered = [q for queries in reads.values() for q in queries if "ORDER BY" in q]
        assert not ordered, ordered
        for q in reads["proposals_objection"]:
            assert '"proposals_response"."text"' not in q
            assert '"proposals_round"."speakers"' not in q

    def test_the_steps_read_of_the_proposal_joins_no_decision(self, in_turn):
        """The acting view reads the proposal with its circle, organization
        and author only (``selectors.ACTING``): the service locks it again
        and the answer shows the room's read, so neither its decision nor the
        policy it amends is read; the answer still names the author."""
        response, sql = self._from_the_room(
            in_turn, _speaker(in_turn), "answers", {"kind": "question", "text": "Why?"}
        )
        assert response.status_code == 200
        first = next(q for q in sql if q.startswith('SELECT "proposals_proposal"."id"'))
        assert '"decisions_decision"' not in first
        assert "ORDER BY" not in first
        assert Response.objects.filter(round=in_turn["round"], text="Why?").exists()
