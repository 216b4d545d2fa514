"""The live room's socket, through the full ASGI application."""

from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.utils.timezone import localtime

from config.asgi import application
from realtime import consumers, fragments, services
from realtime.models import Connection, RoomVersion, group_for

ORIGIN = (b"origin", b"http://testserver")
pytestmark = pytest.mark.django_db(transaction=True)


def communicator(meeting, cookie=None, origin=ORIGIN):
    headers = [origin] if origin else []
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/meetings/{meeting.pk}/", headers=headers)


async def _open(room_setup, cookie_for, who="ana"):
    cookie = await database_sync_to_async(cookie_for)(room_setup[who])
    ws = communicator(room_setup["meeting"], cookie)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def drain(ws) -> list[str]:
    """Everything pushed so far (the whole room, then presence updates)."""
    out = []
    while not await ws.receive_nothing(timeout=consumers.PRESENCE_DELAY + 0.5):
        out.append(await ws.receive_from())
    return out


class TestWhoMayConnect:
    async def test_it_closes_for_anonymous_with_4401(self, room_setup):
        ws = communicator(room_setup["meeting"])
        connected, code = await ws.connect()
        assert not connected and code == consumers.CLOSE_UNAUTHENTICATED

    async def test_it_closes_for_an_outsider_with_4403(self, room_setup, cookie_for):
        cookie = await database_sync_to_async(cookie_for)(room_setup["outsider"])
        ws = communicator(room_setup["meeting"], cookie)
        connected, code = await ws.connect()
        assert not connected and code == consumers.CLOSE_FORBIDDEN
        assert not await database_sync_to_async(Connection.objects.exists)()

    async def test_it_refuses_a_forged_origin(self, room_setup, cookie_for):
        cookie = await database_sync_to_async(cookie_for)(room_setup["ana"])
        ws = communicator(room_setup["meeting"], cookie, origin=(b"origin", b"http://evil.example"))
        connected, _ = await ws.connect()
        assert not connected

    async def test_it_closes_a_closed_meeting_with_4410(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        await database_sync_to_async(services.close_meeting)(meeting=meeting, by=fac)
        cookie = await database_sync_to_async(cookie_for)(room_setup["ana"])
        connected, code = await communicator(meeting, cookie).connect()
        assert not connected and code == consumers.CLOSE_MEETING_CLOSED

    async def test_it_closes_for_an_unknown_meeting_with_4404(self, room_setup, cookie_for):
        cookie = await database_sync_to_async(cookie_for)(room_setup["ana"])
        ws = WebsocketCommunicator(
            application, "/ws/meetings/999999/", headers=[ORIGIN, (b"cookie", cookie)]
        )
        connected, code = await ws.connect()
        assert not connected and code == consumers.CLOSE_NOT_FOUND


class TestWholeStateAndCleanup:
    async def test_it_sends_the_whole_room_first(self, room_setup, cookie_for):
        ws = await _open(room_setup, cookie_for)
        first = await ws.receive_from(timeout=3)
        for fragment_id in (
            "room-state",
            "room-agenda",
            "room-presence",
            "room-item",
            "room-minutes",
        ):
            assert f'id="{fragment_id}"' in first
        assert 'hx-swap-oob="true"' in first
        await ws.disconnect()

    async def test_it_tracks_the_connection_and_forgets_it_on_disconnect(
        self, room_setup, cookie_for
    ):
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        assert await database_sync_to_async(Connection.objects.count)() == 1
        layer = get_channel_layer()
        group = room_setup["meeting"].group_for(room_setup["ana"].language)
        in_memory = isinstance(layer, InMemoryChannelLayer)  # it shows its groups
        if in_memory:
            assert len(layer.groups.get(group, {})) == 1
        await ws.disconnect()
        assert await database_sync_to_async(Connection.objects.count)() == 0
        if in_memory:
            assert not layer.groups.get(group)


async def closing(ws, timeout=3) -> dict:
    """The socket's close, past any push still on its way (under load a
    presence update may arrive after ``drain`` gave up waiting for it)."""
    while True:
        out = await ws.receive_output(timeout=timeout)
        if out["type"] != "websocket.send":
            return out


class TestTheSocketOnlyPushes:
    async def test_a_text_message_closes_the_socket(self, room_setup, cookie_for):
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        await ws.send_to(text_data='{"action": "adopt"}')
        out = await closing(ws)
        assert out == {"type": "websocket.close", "code": consumers.CLOSE_UNEXPECTED_MESSAGE}

    async def test_a_binary_frame_closes_the_socket(self, room_setup, cookie_for):
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        await ws.send_to(bytes_data=b"\x00\x01")
        out = await closing(ws)
        assert out == {"type": "websocket.close", "code": consumers.CLOSE_UNSUPPORTED_DATA}


class TestBroadcast:
    async def test_an_action_pushes_the_new_state(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        pushed = await ws.receive_from(timeout=3)
        assert 'data-state="open"' in pushed
        await ws.disconnect()

    async def test_a_rolled_back_action_sends_nothing(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ws = await _open(room_setup, cookie_for)
        await drain(ws)

        def failing_action():
            with transaction.atomic():
                services.open_meeting(meeting=meeting, by=fac)
                raise RuntimeError("something after the change failed")

        with pytest.raises(RuntimeError):
            await database_sync_to_async(failing_action)()
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    async def test_one_change_renders_the_shared_fragment_once_for_all(
        self, room_setup, cookie_for
    ):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        sockets = [await _open(room_setup, cookie_for, who) for who in ("ana", "bo", "fac")]
        for ws in sockets:
            await drain(ws)
        with mock.patch.object(fragments, "render_room", wraps=fragments.render_room) as render:
            await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
            received = [await ws.receive_from(timeout=3) for ws in sockets]
        assert render.call_count == 1
        assert len(set(received)) == 1  # the same HTML to everyone
        for ws in sockets:
            await ws.disconnect()


class TestALayerMessageTakesNoThreadHop:
    """Channels closes outworn database connections in a thread before each
    message it dispatches (``channels.consumer.aclose_old_connections``). What
    the layer brings only goes to the socket (a read goes through
    ``database_sync_to_async``, which closes them itself): no hop for it,
    one per socket per change otherwise (issue 12, session 9)."""

    async def test_a_broadcast_reaches_the_socket_without_it(
        self, room_setup, cookie_for, monkeypatch
    ):
        import channels.consumer

        hops = []
        original = channels.consumer.aclose_old_connections

        async def counted():
            hops.append(1)
            await original()

        monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        assert hops  # the socket's own connect still takes it
        hops.clear()
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        pushed = await ws.receive_from(timeout=3)
        assert 'data-state="open"' in pushed
        await drain(ws)  # the presence that follows, coalesced
        assert hops == []
        # A message from the browser is not the layer's: it still takes it
        # (and closes the socket: the room only pushes).
        await ws.send_to(text_data="hello")
        await closing(ws)
        assert hops == [1]


def test_the_channel_layer_is_redis_when_redis_url_is_set():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.REDIS_URL:
        assert backend.startswith("channels_redis")
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["max_connections"] > 0
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"


class TestWhatIsSent:
    async def test_a_timer_pushes_only_the_timer(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        ws = await _open(room_setup, cookie_for)
        await drain(ws)
        await database_sync_to_async(services.set_timer)(meeting=meeting, seconds=120, by=fac)
        pushed = await ws.receive_from(timeout=3)
        assert 'id="room-timer"' in pushed and "data-ends=" in pushed
        assert 'id="room-agenda"' not in pushed
        await ws.disconnect()

    async def test_a_socket_opened_after_a_partial_change_gets_the_current_room(
        self, room_setup, cookie_for
    ):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        first = await _open(room_setup, cookie_for, "ana")
        await drain(first)
        await database_sync_to_async(services.set_timer)(meeting=meeting, seconds=300, by=fac)
        await drain(first)
        second = await _open(room_setup, cookie_for, "bo")
        whole = (await drain(second))[0]
        ends = (
            await database_sync_to_async(meeting.__class__.objects.get)(pk=meeting.pk)
        ).timer_ends
        assert 'id="room-agenda"' in whole
        assert localtime(ends).isoformat()[:19] in whole  # the timer set before it connected
        await first.disconnect()
        await second.disconnect()

    async def test_arrivals_are_announced_by_a_small_presence_update(self, room_setup, cookie_for):
        first = await _open(room_setup, cookie_for, "ana")
        await drain(first)
        second = await _open(room_setup, cookie_for, "bo")
        update = (await drain(first))[-1]
        assert 'id="room-presence"' in update
        assert 'id="room-agenda"' not in update
        await first.disconnect()
        await second.disconnect()


class TestCoalescedPresenceNeverUndoesAChange:
    """Who is connected is pushed coalesced, unversioned (no change of the
    record), but its fragment shows the record too (who is present, the
    meeting's state): it carries the version it was rendered at."""

    async def _socket_at_current_version(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        ws = await _open(room_setup, cookie_for, "ana")
        await drain(ws)
        version = (await database_sync_to_async(RoomVersion.current)([meeting.pk]))[meeting.pk]
        group = group_for(meeting.pk, room_setup["ana"].language)
        return ws, version, group

    async def test_one_rendered_before_the_sockets_version_is_replaced_by_a_fresh_one(
        self, room_setup, cookie_for
    ):
        ws, version, group = await self._socket_at_current_version(room_setup, cookie_for)
        stale = '<section id="room-presence" hx-swap-oob="true"><h2>0 present</h2></section>'
        await get_channel_layer().group_send(
            group, {"type": "room.presence", "html": stale, "at": version - 1}
        )
        pushed = await drain(ws)
        assert stale not in pushed
        # Instead, who is present now, rendered at the room's version.
        assert pushed and 'id="room-presence"' in pushed[-1] and "1 present" in pushed[-1]
        await ws.disconnect()

    async def test_one_rendered_at_the_sockets_version_is_taken(self, room_setup, cookie_for):
        ws, version, group = await self._socket_at_current_version(room_setup, cookie_for)
        current = '<section id="room-presence" hx-swap-oob="true"><h2>now</h2></section>'
        await get_channel_layer().group_send(
            group, {"type": "room.presence", "html": current, "at": version}
        )
        assert await ws.receive_from(timeout=3) == current
        await ws.disconnect()

    async def test_one_newer_than_the_socket_brings_the_whole_room(self, room_setup, cookie_for):
        ws, version, group = await self._socket_at_current_version(room_setup, cookie_for)
        # A change whose broadcast this socket never got (lost on the way).
        meeting_id = room_setup["meeting"].pk
        await database_sync_to_async(RoomVersion.bump)(meeting_id)
        ahead = '<section id="room-presence" hx-swap-oob="true"><h2>ahead</h2></section>'
        await get_channel_layer().group_send(
            group, {"type": "room.presence", "html": ahead, "at": version + 1}
        )
        whole = await ws.receive_from(timeout=3)
        assert whole != ahead and 'id="room-agenda"' in whole
        await ws.disconnect()
