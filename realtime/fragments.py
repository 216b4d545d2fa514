"""Rendering the room, once per change, for everyone in it.

What every participant sees is rendered here, without a viewer: the same
HTML goes to every socket of the meeting. What differs per viewer (is it my
turn? am I the facilitator?) is resolved in the page from ``data-`` attributes
(see static/js/realtime.js); the server checks every action anyway.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from realtime import selectors
from realtime.subjects import subject_context

TEMPLATE = "realtime/fragments.html"


def room_context(meeting) -> dict:
    items = list(selectors.agenda(meeting))
    current = next((i for i in items if i.pk == meeting.current_item_id), None)
    present = list(selectors.present(meeting))
    connected = selectors.connected_user_ids(meeting)
    return {
        "meeting": meeting,
        "items": items,
        "current": current,
        "present": present,
        "connected": connected,
        "server_now": timezone.now(),
        "subject": subject_context(current, meeting) if current else None,
    }


def render_room(meeting) -> str:
    """Every shared fragment of the room, each swapped by id (hx-swap-oob)."""
    return render_to_string(TEMPLATE, {**room_context(meeting), "oob": True})
