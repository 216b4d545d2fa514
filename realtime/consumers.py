"""The live room's WebSocket: it only pushes.

Actions go over HTTP (htmx POSTs through the services); the socket sends the
whole room on every connect and reconnect, then every fragment broadcast to
the meeting's group. Anything a client sends closes the socket: there is no
message a client needs to send, so none is accepted.
"""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import fragments, selectors

log = logging.getLogger(__name__)

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
        # Join the group before rendering the state, so nothing committed in
        # between is missed: at worst a fragment arrives twice.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        html = await database_sync_to_async(self._connect_and_render)(user)
        await self.send(text_data=html)

    def _connect_and_render(self, user) -> str:
        from realtime.models import Meeting

        meeting = Meeting.objects.select_related("circle", "circle__organization").get(
            pk=self.meeting_id
        )
        selectors.add_connection(meeting=meeting, user=user, channel_name=self.channel_name)
        return fragments.render_room(meeting)

    async def disconnect(self, code):
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await database_sync_to_async(selectors.remove_connection)(
            meeting_id=self.meeting_id, channel_name=self.channel_name
        )
        self.group = None

    async def receive(self, text_data=None, bytes_data=None):
        # The socket only pushes: a client message is a misuse (or an attack).
        code = CLOSE_UNSUPPORTED_DATA if bytes_data is not None else CLOSE_UNEXPECTED_MESSAGE
        await self.close(code=code)

    async def room_fragment(self, event):
        """A fragment rendered once per change for everyone in the room."""
        await self.send(text_data=event["html"])
