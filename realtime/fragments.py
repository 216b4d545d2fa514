"""Rendering the room, once per change, for everyone in it.

What every participant sees is rendered here, without a viewer: the same
HTML goes to every socket of the meeting. What differs per viewer (is it my
turn? am I the facilitator?) is resolved in the page from ``data-`` attributes
(see static/js/realtime.js); the server checks every action anyway.
"""

import threading

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
        "subject": subject_context(current),
    }


def render_room(meeting) -> str:
    """Every shared fragment of the room, each swapped by id (hx-swap-oob)."""
    return render_to_string(TEMPLATE, {**room_context(meeting), "oob": True})


# What each kind of change re-renders: the partials of fragments.html.
PARTS = {
    "timer": ["timer"],
    "item": ["item", "minutes"],
}


def render_part(meeting, part: str) -> str:
    """Only the fragments a change touched (a timer set, an answer given)."""
    if part == "timer":
        context = {"meeting": meeting, "server_now": timezone.now()}
    else:
        context = room_context(meeting)
    context["oob"] = True
    return "".join(render_to_string(f"{TEMPLATE}#{name}", context) for name in PARTS[part])


def render_presence(meeting) -> str:
    """Only who is present and connected: what a socket opening or closing,
    or a member entering, changes. Far cheaper than the whole room."""
    context = {
        "meeting": meeting,
        "present": list(selectors.present(meeting)),
        "connected": selectors.connected_user_ids(meeting),
        "oob": True,
    }
    return render_to_string("realtime/presence.html", context)


# The latest whole-room HTML this process rendered or received, per meeting.
# A socket that connects gets it without a render, when this process has had
# a socket in the room all along (so it has seen every broadcast since); see
# consumers.MeetingRoomConsumer. The view that made a change answers with it.
_latest: dict[int, str] = {}


def remember(meeting_id: int, html: str) -> None:
    _latest[meeting_id] = html


def latest(meeting_id: int) -> str | None:
    return _latest.get(meeting_id)


def forget(meeting_id: int) -> None:
    _latest.pop(meeting_id, None)


# The HTML a broadcast rendered in this thread, handed to the view whose
# action caused it (the broadcast runs on commit, in the view's own thread).
_handoff = threading.local()


def hand_over(meeting_id: int, html: str) -> None:
    if not hasattr(_handoff, "html"):
        _handoff.html = {}
    _handoff.html[meeting_id] = html


def take_over(meeting_id: int) -> str | None:
    return getattr(_handoff, "html", {}).pop(meeting_id, None)
