"""Rendering the room, once per language per change, for everyone in it.

What every participant sees is rendered here, without a viewer: the same
HTML goes to every socket of the meeting that reads its language (one group
per language, ``Meeting.group_for``). What differs per viewer (is it my turn?
am I the facilitator?) is resolved in the page from ``data-`` attributes
(see static/js/realtime.js); the server checks every action anyway.

A render is done under ``translation.override(language)``: words, dates and
numbers are the viewer's language's. The database is read once per change,
whatever the number of languages; only the templates run once per language.
"""

import threading

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.queries import in_order
from realtime import selectors
from realtime.subjects import subject_context

TEMPLATE = "realtime/fragments.html"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_of(user) -> str:
    """The language a person's room is rendered in (their profile's, else the site's)."""
    code = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return code if code in languages() else settings.LANGUAGE_CODE


def room_context(meeting, *, presence: bool = True) -> dict:
    """What the room's fragments show; without ``presence``, all but who is
    present (the current item and the minutes do not show it)."""
    items = in_order(selectors.agenda(meeting, decisions=False), "position")
    current = next((i for i in items if i.pk == meeting.current_item_id), None)
    if current is not None:
        _share_rows(current, meeting)
    connected = selectors.connected(meeting)
    context = {
        "meeting": meeting,
        "items": items,
        "minutes": in_minutes(items, meeting),
        "current": current,
        "connected": set(connected),
        "connected_languages": set(connected.values()),
        "server_now": timezone.now(),
        "subject": subject_context(current, meeting),
    }
    if presence:
        context["present"] = list(selectors.present(meeting))
    return context


def in_minutes(items, meeting) -> list:
    """The items the room's minutes show so far: those done, the current one,
    and any with notes."""
    return [i for i in items if i.done or i.pk == meeting.current_item_id or i.notes]


def _share_rows(item, meeting) -> None:
    """Give the current item, and the process it runs, the rows the room has
    just read: its meeting, and the circle with its organization when the
    process is of the meeting's circle (its face reads neither again)."""
    item.meeting = meeting
    subject = item.subject
    if subject is not None and getattr(subject, "circle_id", None) == meeting.circle_id:
        subject.circle = meeting.circle


def _render(template: str, context: dict, language: str | None) -> str:
    if language is None:
        return render_to_string(template, context)
    with translation.override(language):
        return render_to_string(template, context)


def render_room(meeting, *, language: str | None = None, context: dict | None = None) -> str:
    """Every shared fragment of the room, each swapped by id (hx-swap-oob),
    in ``language`` (the active language when None)."""
    context = context if context is not None else room_context(meeting)
    return _render(TEMPLATE, {**context, "oob": True}, language)


# What each kind of change re-renders: the partials of fragments.html.
PARTS = {
    "timer": ["timer"],
    "item": ["item", "minutes"],
}


def part_context(meeting, part: str) -> dict:
    if part == "timer":  # the timer needs nothing but the meeting row itself
        return {"meeting": meeting, "server_now": timezone.now()}
    return room_context(meeting, presence=False)


def render_part(
    meeting, part: str, *, language: str | None = None, context: dict | None = None
) -> str:
    """Only the fragments a change touched (a timer set, an answer given)."""
    context = {**(context if context is not None else part_context(meeting, part)), "oob": True}
    return "".join(_render(f"{TEMPLATE}#{name}", context, language) for name in PARTS[part])


def presence_context(meeting) -> dict:
    connected = selectors.connected(meeting)
    return {
        "meeting": meeting,
        "present": list(selectors.present(meeting)),
        "connected": set(connected),
        "connected_languages": set(connected.values()),
    }


def render_presence(meeting, *, language: str | None = None, context: dict | None = None) -> str:
    """Only who is present and connected: what a socket opening or closing,
    or a member entering, changes. Far cheaper than the whole room."""
    context = {**(context if context is not None else presence_context(meeting)), "oob": True}
    return _render("realtime/presence.html", context, language)


# The whole room, by version -------------------------------------------------
# The latest whole-room HTML this process rendered or received, per meeting
# and language, with the room version it shows (``RoomVersion``). HTML kept
# under version v shows the room as of v or later (the version is read before
# the render, or is the one the broadcast's transaction wrote), so a socket
# that reads version v from the database and gets this HTML is never behind:
# the cache cannot serve a stale room.
_latest: dict[tuple[int, str], tuple[int, str]] = {}
_latest_lock = threading.Lock()


#: Rooms kept at most (the oldest kept goes first): a process's memory stays
#: bounded however many meetings it has served.
LATEST_MAX = 500


def remember(meeting_id: int, language: str, version: int, html: str) -> None:
    with _latest_lock:
        key = (meeting_id, language)
        held = _latest.pop(key, None)
        if held is not None and held[0] > version:
            _latest[key] = held
            return
        _latest[key] = (version, html)
        while len(_latest) > LATEST_MAX:
            del _latest[next(iter(_latest))]


def cached(meeting_id: int, language: str, version: int) -> str | None:
    held = _latest.get((meeting_id, language))
    return held[1] if held is not None and held[0] == version else None


def forget(meeting_id: int) -> None:
    with _latest_lock:
        for key in [k for k in _latest if k[0] == meeting_id]:
            del _latest[key]


def whole_room(meeting_id: int, language: str, version: int | None = None) -> tuple[int, str]:
    """(version, the whole room in ``language``) from the database: the
    version first (unless the caller has just read it), then the HTML of
    that version, rendered only if this process holds no HTML of exactly
    that version."""
    from realtime.models import Meeting, RoomVersion

    if version is None:
        version = RoomVersion.current([meeting_id])[meeting_id]
    html = cached(meeting_id, language, version)
    if html is None:
        meeting = Meeting.objects.select_related(
            "circle", "circle__organization", "facilitator", "secretary"
        ).get(pk=meeting_id)
        html = render_room(meeting, language=language)
        remember(meeting_id, language, version, html)
    return version, html


# The HTML a broadcast rendered in this thread, in the language of the
# request (the actor's), handed to the view whose action caused it (the
# broadcast's render runs on commit, in the view's own thread). One room's
# at most: a request thread is kept for the next requests (config.handler),
# and what a request did not take must not pile up there, one room after
# another; a meeting's view forgets it on arrival (views._meeting).
_handoff = threading.local()


def hand_over(meeting_id: int, html: str) -> None:
    _handoff.html = {meeting_id: html}


def take_over(meeting_id: int) -> str | None:
    return getattr(_handoff, "html", {}).pop(meeting_id, None)
