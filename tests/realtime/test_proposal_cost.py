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
    s = room_setup
    proposal = presented_in_room(s)
    proposal_services.open_clarifying(proposal=proposal, by=s["fac"], mode="in_turn")
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
