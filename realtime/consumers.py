"""The live room's WebSocket: it only pushes.

Actions go over HTTP (htmx POSTs through the services); the socket sends the
whole room on every connect and reconnect, then every fragment broadcast to
the group of the meeting in its user's language. Anything a client sends
closes the socket: there is no message a client needs to send, so none is
accepted.

Every socket knows the room version it shows (``RoomVersion``). A broadcast
one version ahead is applied; an older or repeated one is skipped; one that
skips a version, or a socket found behind the database by this process's
``watch`` (every ``CHECK_INTERVAL`` s), gets the whole room read from the
database. So every socket converges without a reload after a lost broadcast:
a channel-layer outage, a hung Redis, a process killed between commit and
publish. The same watch refreshes the sockets' presence rows (heartbeat) and
sweeps the rows of dead processes.
"""

import asyncio
import logging
import time
from collections import defaultdict

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from core.events import log_throttled
from realtime import fragments, selectors
from realtime.models import group_for, user_group

log = logging.getLogger(__name__)

#: A channel-layer call from the consumer (join, leave, presence) waits at
#: most this long: a hung Redis never holds a socket's open or close.
LAYER_TIMEOUT = 2.0

# Presence changes (sockets opening and closing) are sent at most once per
# PRESENCE_DELAY per meeting and process: 500 people joining cost a few
# presence messages to each, not one per arrival (no M² storm).
PRESENCE_DELAY = 0.3
_presence_pending: set[int] = set()


def _schedule_presence(meeting_id: int) -> None:
    if meeting_id in _presence_pending:
        return
    _presence_pending.add(meeting_id)
    loop = asyncio.get_running_loop()
    loop.call_later(PRESENCE_DELAY, lambda: loop.create_task(_send_presence(meeting_id)))


async def _send_presence(meeting_id: int) -> None:
    """Who is connected, rendered once per language connected, to each
    language's group. It is not a change of the room's record, so it bumps no
    version; but its fragment also shows the record (who is present, the
    meeting's state), so it carries the room version it was rendered at, and
    a socket showing another version does not take it (``room_presence``)."""
    _presence_pending.discard(meeting_id)
    try:
        version, htmls = await database_sync_to_async(_render_presence)(meeting_id)
        layer = get_channel_layer()
        for language, html in htmls.items():
            await asyncio.wait_for(
                layer.group_send(
                    group_for(meeting_id, language),
                    {"type": "room.presence", "html": html, "at": version},
                ),
                LAYER_TIMEOUT,
            )
    except Exception as exc:  # a lost presence update heals at the next one; never crash the loop
        log_throttled(log, "presence", "presence update not sent (%r)", exc)


def _render_presence(meeting_id: int) -> tuple[int, dict[str, str]]:
    """The room's version, then who is present and connected in each language
    connected: read after the version, the render shows the room as of that
    version or later."""
    from realtime.models import Meeting, RoomVersion

    version = RoomVersion.current([meeting_id])[meeting_id]
    meeting = (
        Meeting.objects.select_related("facilitator", "secretary").filter(pk=meeting_id).first()
    )
    if meeting is None:
        return version, {}
    context = fragments.presence_context(meeting)
    languages = context["connected_languages"] | {
        c.language for c in _here.get(meeting_id, ()) if c.language
    }
    return version, {
        language: fragments.render_presence(meeting, language=language, context=context)
        for language in sorted(languages)
    }


# This process's sockets and its watch ----------------------------------------

#: How often the watch compares each socket's version with the database.
CHECK_INTERVAL = 2.0
#: How often the watch refreshes the presence rows of this process's sockets
#: (a row is stale after ``Connection.STALE_AFTER``: three missed beats).
HEARTBEAT = 15.0
#: How often the watch deletes the presence rows of dead processes. A dead
#: process's sockets leave every room within STALE_AFTER + SWEEP_INTERVAL +
#: CHECK_INTERVAL (57 s): presence is right within a minute.
SWEEP_INTERVAL = 10.0

_here: dict[int, set] = defaultdict(set)  # meeting id -> consumers open in this process
_watch_task: asyncio.Task | None = None


def _register(consumer) -> None:
    global _watch_task
    _here[consumer.meeting_id].add(consumer)
    loop = asyncio.get_running_loop()
    if _watch_task is None or _watch_task.done() or _watch_task.get_loop() is not loop:
        _watch_task = loop.create_task(watch())


def _unregister(consumer) -> None:
    sockets = _here.get(consumer.meeting_id)
    if sockets is not None:
        sockets.discard(consumer)
        if not sockets:
            del _here[consumer.meeting_id]
            fragments.forget(consumer.meeting_id)  # no socket here needs it now


async def watch() -> None:
    """While this process has sockets: every CHECK_INTERVAL, read the
    versions of its meetings (one query) and resync each socket behind a
    version that was already committed at the previous check (one interval
    is ample for a broadcast on its way, so a healthy room costs nothing);
    retry a socket's join of its group if the layer refused it; every
    HEARTBEAT, refresh its sockets' presence rows; every SWEEP_INTERVAL,
    delete rows no process refreshes and push those rooms' presence."""
    previous: dict[int, int] = {}
    last_beat = last_sweep = time.monotonic()
    while _here:
        await asyncio.sleep(CHECK_INTERVAL)
        try:
            versions = await database_sync_to_async(_versions)(list(_here))
            await _rejoin([c for sockets in _here.values() for c in sockets if not c.joined])
            for meeting_id, sockets in list(_here.items()):
                committed = previous.get(meeting_id, 0)
                for consumer in list(sockets):
                    if consumer.version < committed:
                        await consumer.resync(versions.get(meeting_id))
            previous = versions
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT:
                last_beat = now
                channels = [c.channel_name for sockets in _here.values() for c in sockets]
                await database_sync_to_async(selectors.touch_connections)(channels)
            if now - last_sweep >= SWEEP_INTERVAL:
                last_sweep = now
                for meeting_id in await database_sync_to_async(selectors.sweep_connections)():
                    _schedule_presence(meeting_id)
        except Exception as exc:  # the database down: try again at the next check
            log_throttled(log, "watch", "room check failed (%r); retrying", exc)


async def _rejoin(waiting) -> None:
    """Join the groups a layer outage kept sockets out of: one first, and
    the others together only if the layer took it (a hung layer costs one
    LAYER_TIMEOUT per check, not one per socket)."""
    if not waiting:
        return
    await waiting[0].join_group()
    if waiting[0].joined and len(waiting) > 1:
        await asyncio.gather(*(c.join_group() for c in waiting[1:]))


def _versions(meeting_ids) -> dict[int, int]:
    from realtime.models import RoomVersion

    return RoomVersion.current(meeting_ids)


# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_MEETING_CLOSED = 4410
CLOSE_UNEXPECTED_MESSAGE = 4400
CLOSE_UNSUPPORTED_DATA = 1003


class MeetingRoomConsumer(AsyncWebsocketConsumer):
    meeting_id: int | None = None
    user_id: int | None = None
    group: str | None = None
    language: str = ""
    #: The room version this socket shows.
    version: int = -1
    joined = False

    #: What the channel layer brings this socket: each handler forwards HTML
    #: to it, and any database read one makes goes through
    #: ``database_sync_to_async``, which closes outworn connections in its own
    #: thread. Channels' ``AsyncConsumer.dispatch`` first hops to a thread to
    #: close them before every message (``aclose_old_connections``): one
    #: thread hop per socket per change of the room, which these skip.
    LAYER_MESSAGES = frozenset(
        {"room.fragment", "room.partial", "room.presence", "room.close", "user.push"}
    )

    async def dispatch(self, message):
        if message.get("type") in self.LAYER_MESSAGES:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        meeting_id = self.scope["url_route"]["kwargs"]["meeting_id"]
        verdict, meeting = await database_sync_to_async(selectors.room_access)(user, meeting_id)
        if verdict != "ok":
            code = {
                "not_found": CLOSE_NOT_FOUND,
                "forbidden": CLOSE_FORBIDDEN,
                "closed": CLOSE_MEETING_CLOSED,
            }[verdict]
            await self.close(code=code)
            return
        self.meeting_id = meeting.pk
        self.user_id = user.pk
        self.language = fragments.language_of(user)
        self.group = group_for(meeting.pk, self.language)
        self.lock = asyncio.Lock()
        # Join the group before reading the state, so nothing committed in
        # between is missed: at worst a fragment arrives twice (and, being
        # of a version the socket has, is skipped). A layer that refuses or
        # hangs does not stop the socket: the watch retries the join and
        # keeps the socket current from the database meanwhile.
        await self.join_group()
        await self.accept()
        async with self.lock:
            self.version, html = await database_sync_to_async(self._connect_and_render)(user)
            await self.send(text_data=html)
        _register(self)
        _schedule_presence(self.meeting_id)

    async def join_group(self) -> None:
        try:
            await asyncio.wait_for(
                self.channel_layer.group_add(self.group, self.channel_name), LAYER_TIMEOUT
            )
            # Its user's own group too: their bell is pushed there (core.push).
            await asyncio.wait_for(
                self.channel_layer.group_add(user_group(self.user_id), self.channel_name),
                LAYER_TIMEOUT,
            )
            self.joined = True
        except Exception as exc:
            log_throttled(log, "group_add", "a room socket could not join its group (%r)", exc)

    def _connect_and_render(self, user) -> tuple[int, str]:
        """Record the connection; the room's version and the whole room."""
        selectors.add_connection(
            meeting_id=self.meeting_id,
            user=user,
            channel_name=self.channel_name,
            language=self.language,
        )
        return fragments.whole_room(self.meeting_id, self.language)

    async def resync(self, version: int | None = None) -> None:
        """The whole room from the database, if this socket is behind it
        (``version``: the room's, if the caller has just read it)."""
        async with self.lock:
            try:
                version, html = await database_sync_to_async(fragments.whole_room)(
                    self.meeting_id, self.language, version
                )
            except Exception as exc:  # the database down: the watch tries again
                log_throttled(log, "resync", "room resync failed (%r)", exc)
                return
            if version > self.version:
                self.version = version
                await self.send(text_data=html)

    async def disconnect(self, code):
        if self.group is None:
            return
        group, self.group = self.group, None
        _unregister(self)
        # The presence row first, whatever the layer does: a socket closing
        # while Redis is down or hung must not stay "connected".
        try:
            await database_sync_to_async(selectors.remove_connection)(
                channel_name=self.channel_name
            )
        except Exception as exc:  # the row expires by heartbeat instead
            log_throttled(log, "remove_connection", "presence row not removed (%r)", exc)
        try:
            await asyncio.wait_for(
                self.channel_layer.group_discard(group, self.channel_name), LAYER_TIMEOUT
            )
            await asyncio.wait_for(
                self.channel_layer.group_discard(user_group(self.user_id), self.channel_name),
                LAYER_TIMEOUT,
            )
        except Exception as exc:
            log_throttled(log, "group_discard", "a room socket could not leave its group (%r)", exc)
        _schedule_presence(self.meeting_id)

    async def receive(self, text_data=None, bytes_data=None):
        # The socket only pushes: a client message is a misuse (or an attack).
        code = CLOSE_UNSUPPORTED_DATA if bytes_data is not None else CLOSE_UNEXPECTED_MESSAGE
        await self.close(code=code)

    async def _versioned(self, event, *, whole: bool) -> None:
        """Apply a broadcast of version v: the next one (or a whole room
        newer than ours) is sent; an old or repeated one is skipped; one past
        a gap means a broadcast was lost: the whole room from the database."""
        version = event.get("version")
        if version is None:
            await self.send(text_data=event["html"])
            return
        if version <= self.version:
            return
        if whole or version == self.version + 1:
            async with self.lock:
                if version > self.version:
                    self.version = version
                    await self.send(text_data=event["html"])
            return
        await self.resync()

    async def room_fragment(self, event):
        """The whole room, rendered once per change and language."""
        await self._versioned(event, whole=True)

    async def room_partial(self, event):
        """Only what a change touched."""
        await self._versioned(event, whole=False)

    async def room_presence(self, event):
        """Who is present (a versioned change) or connected (coalesced).

        A coalesced one (``at``: the room version it was rendered at) shows
        the record too, without changing it: taken only by a socket showing
        that very version. Rendered before a change this socket has, it
        would undo what the change showed (it once left "3 present" after a
        fourth member had joined, and no resync would come: the socket was
        current): another one is rendered instead, at the room's version now.
        A socket behind it gets the whole room."""
        at = event.get("at")
        if at is None:
            await self._versioned(event, whole=False)
            return
        if at < self.version:
            _schedule_presence(self.meeting_id)
            return
        if at > self.version:
            await self.resync()
            return
        async with self.lock:
            if at == self.version:
                await self.send(text_data=event["html"])

    async def user_push(self, event):
        """What concerns this socket's user alone (their bell), swapped by id."""
        await self.send(text_data=event["html"])

    async def room_close(self, event):
        """Its user left the circle or the organization (broadcast.close_sockets)."""
        await self.close(code=event.get("code", CLOSE_FORBIDDEN))
