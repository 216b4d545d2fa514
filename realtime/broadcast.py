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
from realtime.models import Connection, Meeting

log = logging.getLogger(__name__)


def meetings_for(subject) -> list[Meeting]:
    if isinstance(subject, Meeting):
        return [subject]
    return selectors.meetings_showing(subject)


def part_for(subject, part: str) -> str:
    """A proposal or an election changes the room's current item (and the
    minutes) only; a meeting says what changed, or everything."""
    if not isinstance(subject, Meeting):
        return "item"
    return part


def broadcast_meeting(meeting: Meeting, *, part: str = "") -> str:
    """Render the room (or only its presence) once and send it to the group.

    Returns the HTML, which the view that made the change answers with, so
    one change costs one render.
    """
    if part != "timer":  # the timer needs nothing but the meeting row itself
        meeting = Meeting.objects.select_related(
            "circle", "circle__organization", "facilitator", "secretary"
        ).get(pk=meeting.pk)
    if part == "presence":
        html, kind = fragments.render_presence(meeting), "room.presence"
    elif part in fragments.PARTS:
        html, kind = fragments.render_part(meeting, part), "room.partial"
        fragments.forget(meeting.pk)  # the whole room held here is now out of date
        fragments.hand_over(meeting.pk, html)
    else:
        html, kind = fragments.render_room(meeting), "room.fragment"
        fragments.remember(meeting.pk, html)
        fragments.hand_over(meeting.pk, html)
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(meeting.group_name, {"type": kind, "html": html})
    return html


def on_subject_changed(sender, subject, part="", **kwargs) -> None:
    if part == "left":  # a membership that ended (circles.services.remove_member)
        on_membership_ended(subject)
        return
    for meeting in meetings_for(subject):
        broadcast_meeting(meeting, part=part_for(subject, part))


# A member who leaves ----------------------------------------------------------
# Nothing of the room is cached per person: every action reads the session,
# the user and the membership afresh, so someone who left is refused at their
# next action. Their open sockets are closed too, once the removal commits
# (CLOSE_FORBIDDEN): a reconnect is checked afresh (an organization member
# who left only the circle may still watch, as a guest).

CLOSE_FORBIDDEN = 4403


def close_sockets(*, user_id: int, meetings) -> int:
    """Close ``user_id``'s sockets in the open ``meetings`` (a queryset)."""
    channels = list(
        Connection.objects.filter(
            user_id=user_id, meeting__in=meetings.filter(state=Meeting.State.OPEN)
        ).values_list("channel_name", flat=True)
    )
    layer = get_channel_layer()
    if layer is None:
        return 0
    for channel in channels:
        async_to_sync(layer.send)(channel, {"type": "room.close", "code": CLOSE_FORBIDDEN})
    return len(channels)


def on_membership_ended(membership) -> None:
    """A circle membership ended and committed: close the person's sockets in
    that circle's open meetings."""
    meetings = Meeting.objects.filter(circle_id=membership.circle_id)
    try:
        close_sockets(user_id=membership.user_id, meetings=meetings)
    except Exception:  # Redis down: the next action is refused all the same
        log.exception("closing the sockets of user %s failed", membership.user_id)
