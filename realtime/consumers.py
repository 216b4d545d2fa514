"""The live room's WebSocket: it only pushes.

Actions go over HTTP (htmx POSTs through the services); the socket sends the
whole room on every connect and reconnect, then every fragment broadcast to
the meeting's group. Anything a client sends closes the socket: there is no
message a client needs to send, so none is accepted.
"""

import asyncio
import logging
from collections import Counter

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from realtime import fragments, selectors

log = logging.getLogger(__name__)

# Sockets of each meeting open in this process. While it is above zero the
# process receives every broadcast of the meeting, so the latest room HTML it
# holds (fragments.latest) is current and a new socket needs no render.
_sockets_here: Counter = Counter()

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
    _presence_pending.discard(meeting_id)
    try:
        html = await database_sync_to_async(_render_presence)(meeting_id)
        if html is not None:
            await get_channel_layer().group_send(
                f"meeting.{meeting_id}", {"type": "room.presence", "html": html}
            )
    except Exception:  # a lost presence update heals at the next one; never crash the loop
        log.exception("presence update failed for meeting %s", meeting_id)


def _render_presence(meeting_id: int) -> str | None:
    from realtime.models import Meeting

    meeting = (
        Meeting.objects.select_related("facilitator", "secretary").filter(pk=meeting_id).first()
    )
    return fragments.render_presence(meeting) if meeting is not None else None


# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_MEETING_CLOSED = 4410
CLOSE_UNEXPECTED_MESSAGE = 4400
CLOSE_UNSUPPORTED_DATA = 1003


class MeetingRoomConsumer(AsyncWebsocketConsumer):
    meeting_id: int | None = None
    group: str | None = None

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
        self.group = meeting.group_name
        # Join the group before reading the state, so nothing committed in
        # between is missed: at worst a fragment arrives twice.
        await self.channel_layer.group_add(self.group, self.channel_name)
        first_here = _sockets_here[self.meeting_id] == 0
        _sockets_here[self.meeting_id] += 1
        if first_here:
            fragments.forget(self.meeting_id)  # unseen broadcasts may have passed
        await self.accept()
        html = await database_sync_to_async(self._connect_and_render)(user)
        await self.send(text_data=html)
        _schedule_presence(self.meeting_id)

    def _connect_and_render(self, user) -> str:
        """Record the connection; the whole room, rendered only if this
        process does not hold it already."""
        selectors.add_connection(
            meeting_id=self.meeting_id, user=user, channel_name=self.channel_name
        )
        html = fragments.latest(self.meeting_id)
        if html is None:
            from realtime.models import Meeting

            meeting = Meeting.objects.select_related(
                "circle", "circle__organization", "facilitator", "secretary"
            ).get(pk=self.meeting_id)
            html = fragments.render_room(meeting)
            fragments.remember(self.meeting_id, html)
        return html

    async def disconnect(self, code):
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        _sockets_here[self.meeting_id] -= 1
        if _sockets_here[self.meeting_id] <= 0:
            del _sockets_here[self.meeting_id]
            fragments.forget(self.meeting_id)
        await database_sync_to_async(selectors.remove_connection)(channel_name=self.channel_name)
        _schedule_presence(self.meeting_id)
        self.group = None

    async def receive(self, text_data=None, bytes_data=None):
        # The socket only pushes: a client message is a misuse (or an attack).
        code = CLOSE_UNSUPPORTED_DATA if bytes_data is not None else CLOSE_UNEXPECTED_MESSAGE
        await self.close(code=code)

    async def room_fragment(self, event):
        """The whole room, rendered once per change for everyone in it."""
        fragments.remember(self.meeting_id, event["html"])
        await self.send(text_data=event["html"])

    async def room_partial(self, event):
        """Only what a change touched; the whole room held here is stale now."""
        fragments.forget(self.meeting_id)
        await self.send(text_data=event["html"])

    async def room_close(self, event):
        """Its user left the circle or the organization (broadcast.close_sockets)."""
        await self.close(code=event.get("code", CLOSE_FORBIDDEN))

    async def room_presence(self, event):
        """Who is present and connected (coalesced)."""
        await self.send(text_data=event["html"])
