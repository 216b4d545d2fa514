"""After a change commits, push the room's fragments to its sockets.

Listens to ``core.events.subject_changed``; maps the subject to the open
meetings that show it; renders the fragments ONCE per meeting and sends the
same HTML to the meeting's group. A failure to send (Redis down) is logged by
``core.events`` and never fails the request: clients resync on reconnect.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime import fragments, selectors
from realtime.models import Meeting

log = logging.getLogger(__name__)


def meetings_for(subject) -> list[Meeting]:
    if isinstance(subject, Meeting):
        return [subject]
    return selectors.meetings_showing(subject)


def broadcast_meeting(meeting: Meeting) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    meeting = Meeting.objects.select_related("circle", "circle__organization").get(pk=meeting.pk)
    html = fragments.render_room(meeting)
    async_to_sync(layer.group_send)(meeting.group_name, {"type": "room.fragment", "html": html})


def on_subject_changed(sender, subject, **kwargs) -> None:
    for meeting in meetings_for(subject):
        broadcast_meeting(meeting)
