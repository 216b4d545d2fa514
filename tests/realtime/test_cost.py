"""The cheaper room path keeps every guarantee (issue 12): a member removed
mid-meeting is refused at their next action and their socket is closed; the
timer's one-statement write still refuses what it refused, changing nothing."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles import services as circle_services
from circles.models import OrganizationMember
from config.asgi import application
from core.idempotency import new_key
from proposals import rounds
from proposals import services as proposal_services
from proposals.models import Response
from realtime import consumers, services
from realtime.models import Meeting
from tests.realtime.helpers import presented_in_room

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def live(room_setup):
    """The meeting open, everyone joined, a proposal current in a reveal
    reactions round (anyone may answer, in any order)."""
    s = room_setup
    proposal = presented_in_room(s)
    proposal_services.open_clarifying(proposal=proposal, by=s["fac"])
    proposal.refresh_from_db()
    proposal_services.open_reactions(proposal=proposal, by=s["fac"], mode="reveal")
    proposal.refresh_from_db()
    s["proposal"] = proposal
    return s


def _answer(s, who):
    url = reverse(
        "proposals:act", kwargs={"org": "acme", "pk": s["proposal"].pk, "segment": "answers"}
    )
    return _client(s[who]).post(
        url,
        {"kind": "reaction", "text": "Fine by me.", "idempotency_key": new_key()},
        headers={"HX-Request": "true"},
    )


def _answers_of(s, who) -> int:
    round_ = rounds.open_round_of(s["proposal"])
    return Response.objects.filter(round=round_, member=s[who]).count()


class TestARemovedMember:
    def test_their_next_answer_is_refused_and_changes_nothing(self, live):
        assert _answer(live, "bo").status_code == 200
        assert _answers_of(live, "bo") == 1
        circle_services.remove_member(circle=live["circle"], user=live["ana"], by=live["admin"])
        response = _answer(live, "ana")
        assert _answers_of(live, "ana") == 0
        assert "Only a participant" in response.content.decode()

    def test_a_facilitator_who_left_the_organization_cannot_set_the_timer(self, live):
        membership = OrganizationMember.objects.get(organization=live["org"], user=live["fac"])
        membership.left = membership.joined
        membership.save(update_fields=["left"])
        url = reverse(
            "realtime:action",
            kwargs={"org": "acme", "meeting_id": live["meeting"].pk, "action": "timer"},
        )
        response = _client(live["fac"]).post(url, {"minutes": 5}, headers={"HX-Request": "true"})
        assert response.status_code == 404
        assert Meeting.objects.get(pk=live["meeting"].pk).timer_ends is None

    async def test_their_socket_is_closed_when_the_removal_commits(self, live, cookie_for):
        cookie = await database_sync_to_async(cookie_for)(live["ana"])
        ws = WebsocketCommunicator(
            application,
            f"/ws/meetings/{live['meeting'].pk}/",
            headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)],
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.receive_from()  # the whole room
        await database_sync_to_async(circle_services.remove_member)(
            circle=live["circle"], user=live["ana"], by=live["admin"]
        )
        closed = None
        for _ in range(10):
            message = await ws.receive_output(timeout=2)
            if message["type"] == "websocket.close":
                closed = message
                break
        assert closed is not None and closed["code"] == consumers.CLOSE_FORBIDDEN
        await ws.disconnect()

    async def test_others_keep_their_sockets(self, live, cookie_for):
        cookie = await database_sync_to_async(cookie_for)(live["bo"])
        ws = WebsocketCommunicator(
            application,
            f"/ws/meetings/{live['meeting'].pk}/",
            headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)],
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.receive_from()
        await database_sync_to_async(circle_services.remove_member)(
            circle=live["circle"], user=live["ana"], by=live["admin"]
        )
        while not await ws.receive_nothing(timeout=consumers.PRESENCE_DELAY + 0.5):
            message = await ws.receive_output()
            assert message["type"] != "websocket.close"
        await ws.disconnect()


class TestTheTimerInOneStatement:
    def url(self, s):
        return reverse(
            "realtime:action",
            kwargs={"org": "acme", "meeting_id": s["meeting"].pk, "action": "timer"},
        )

    def test_the_facilitator_sets_it_in_five_queries(self, live):
        # Session, user, the meeting with its membership check, the UPDATE,
        # and the room version's bump (realtime.models.RoomVersion) in the
        # same transaction: what lets every socket converge after a lost
        # broadcast (docs/ARCHITECTURE.md).
        client = _client(live["fac"])
        client.post(self.url(live), {"minutes": 1}, headers={"HX-Request": "true"})  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(self.url(live), {"minutes": 5}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert 'id="room-timer"' in response.content.decode()
        assert Meeting.objects.get(pk=live["meeting"].pk).timer_ends is not None
        sql = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT"))
        ]
        assert len(sql) <= 5, sql
        assert "realtime_roomversion" in sql[-1]
        assert not any("FOR UPDATE" in q for q in sql)

    def test_a_member_who_is_not_the_facilitator_is_refused(self, live):
        response = _client(live["ana"]).post(
            self.url(live), {"minutes": 5}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 403
        assert Meeting.objects.get(pk=live["meeting"].pk).timer_ends is None

    def test_a_closed_meeting_refuses_it_and_stays_as_it_was(self, live):
        services.close_meeting(meeting=live["meeting"], by=live["fac"])
        with pytest.raises(Exception) as refused:
            services.set_timer(meeting=live["meeting"], seconds=60, by=live["fac"])
        assert refused.value.__class__.__name__ == "Conflict"
        meeting = Meeting.objects.get(pk=live["meeting"].pk)
        assert meeting.timer_ends is None and meeting.state == Meeting.State.CLOSED

    def test_out_of_range_is_refused_for_the_facilitator_too(self, live):
        with pytest.raises(Exception) as refused:
            services.set_timer(meeting=live["meeting"], seconds=4 * 3600, by=live["fac"])
        assert refused.value.__class__.__name__ == "Invalid"
        assert Meeting.objects.get(pk=live["meeting"].pk).timer_ends is None


class TestTheProcessDataHandOver:
    """The acting view answers from what its own broadcast read (one read of
    the process instead of two), and never from what another request left."""

    def test_the_answer_shows_the_action_and_takes_the_broadcasts_read(self, live):
        from proposals import room
        from proposals import selectors as proposal_selectors

        reads = []
        original = proposal_selectors.process_data

        def counting(proposal):
            reads.append(proposal.pk)
            return original(proposal)

        proposal_selectors.process_data = counting
        try:
            response = _answer(live, "bo")
        finally:
            proposal_selectors.process_data = original
        assert response.status_code == 200
        assert _answers_of(live, "bo") == 1
        # One read, by the broadcast; the view's answer took it over.
        assert reads == [live["proposal"].pk]
        assert "Fine by me." in response.content.decode()
        assert room.take_over(live["proposal"].pk) is None  # taken once

    def test_an_answer_reads_each_row_it_needs_once(self, live):
        """The proposal is read by the view and locked by the service; its
        circle and organization come with them (and, for the broadcast,
        with the meeting); the key is claimed in one statement."""
        client = _client(live["bo"])
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                reverse(
                    "proposals:act",
                    kwargs={"org": "acme", "pk": live["proposal"].pk, "segment": "answers"},
                ),
                {"kind": "reaction", "text": "Fine by me.", "idempotency_key": new_key()},
                headers={"HX-Request": "true"},
            )
        assert response.status_code == 200
        assert "Fine by me." in response.content.decode()
        assert _answers_of(live, "bo") == 1
        sql = [q["sql"] for q in ctx.captured_queries]

        def reads(table):
            return [q for q in sql if q.startswith(f'SELECT "{table}"."id"')]

        assert len(reads("proposals_proposal")) == 2, reads("proposals_proposal")
        assert reads("circles_circle") == [] and reads("circles_organization") == []
        assert not any(q.startswith(("SAVEPOINT", "RELEASE")) for q in sql)
        assert sum("core_idempotencykey" in q for q in sql) == 1

    def test_what_an_earlier_request_left_is_not_used(self, live):
        from proposals import room
        from proposals import selectors as proposal_selectors

        # A proposal on no agenda: its steps broadcast nothing, so its view
        # has nothing of its own to take over.
        other = proposal_services.create_proposal(
            circle=live["circle"], by=live["ana"], title="Bike shed", body="Build a shed."
        )
        stale = proposal_selectors.process_data(other)
        stale["revision"].body = "A STALE TEXT"
        room._handoff.data = {other.pk: stale}
        url = reverse("proposals:act", kwargs={"org": "acme", "pk": other.pk, "segment": "present"})
        response = _client(live["fac"]).post(
            url, {"idempotency_key": new_key()}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        other.refresh_from_db()
        assert other.state == "presented"
        assert "Build a shed." in response.content.decode()
        assert "A STALE TEXT" not in response.content.decode()
