"""What the room shows of the current agenda item's process, through its face.

The room knows a process only through the face its app publishes
(``core.rooms.RoomFace``: ``proposals/room.py``, ``elections/room.py``) and
the session port (``core.participation``). It renders the face's shared part
once per change for everyone, and, per viewer over HTTP, the face's viewer
part (``render_mine``); it never imports a process's views nor styles a
process's elements.
"""

from django.utils.safestring import mark_safe

from core import participation
from core.rooms import PerLanguage, RoomFace
from elections import room as elections_room
from proposals import room as proposals_room
from realtime import room as frame_room

#: The faces of the processes, by agenda item kind (``AgendaItem.Kind``; the
#: kind is also the name of the item's foreign key to the process's subject).
PROCESS_FACES: dict[str, RoomFace] = {face.KIND: face for face in (proposals_room, elections_room)}
#: Every face by agenda item kind: the processes', and the frame's for each
#: frame kind (``realtime/room.py``: its subject is the agenda item itself).
FACES: dict[str, RoomFace] = {
    **PROCESS_FACES,
    **{kind: frame_room for kind in frame_room.KINDS},
}
_BY_LABEL: dict[str, RoomFace] = {face.LABEL: face for face in PROCESS_FACES.values()}


def face_of(subject) -> RoomFace | None:
    """The face of a process's subject (a proposal, an election), else None."""
    return _BY_LABEL.get(subject._meta.label_lower)


def kind_of(subject) -> str | None:
    face = face_of(subject)
    return face.KIND if face is not None else None


def agenda_choices(circle) -> list[tuple[str, str]]:
    """What may go on an agenda of ``circle``: ("kind:pk", label) per subject."""
    return [
        (f"{kind}:{subject.pk}", face.agenda_label(subject))
        for kind, face in PROCESS_FACES.items()
        for subject in face.agenda_choices(circle)
    ]


def agenda_subject(circle, choice: str):
    """The subject named by an agenda form's "kind:pk" choice, if it may go
    on an agenda of ``circle``; else None."""
    kind, _sep, pk = (choice or "").partition(":")
    face = PROCESS_FACES.get(kind)
    if face is None or not pk.isdigit():
        return None
    return face.agenda_choices(circle).filter(pk=int(pk)).first()


def may_go_on_agenda(subject) -> bool:
    face = face_of(subject)
    return face is not None and face.agenda_choices(subject.circle).filter(pk=subject.pk).exists()


def _subject(item):
    """What the item runs: its proposal or selection, or itself for a frame item."""
    return item if item.is_frame else item.subject


def subject_context(item, meeting=None) -> dict | None:
    """The current item's process for the shared fragments (no viewer).

    ``meeting``: the item's meeting, just read, whose current item it is.
    When it is open it runs the process: its session (``core.participation``)
    is made known to the face rather than read again, and a face that hands
    its read over to the acting view hands the session over with it."""
    if item is None:
        return None
    subject = _subject(item)
    face = FACES.get(item.kind)
    if subject is None or face is None:
        return {"kind": item.kind, "object": None, "round": None}
    with participation.reading():
        if (
            meeting is not None
            and item.kind in PROCESS_FACES
            and meeting.state == meeting.State.OPEN
            and meeting.current_item_id == item.pk
        ):
            from realtime.selectors import session_from  # it imports this module

            participation.known(subject, session_from(meeting))
        shared = face.shared(subject)
    return {
        **shared,
        "kind": item.kind,
        "object": subject,
        # Where it is: the process's state, or what the frame's face says.
        "state": shared.get("state") or getattr(subject, "state", ""),
        # A PerLanguage renders in each room's language; a plain string is
        # the face's HTML as it is.
        "html": shared["html"]
        if isinstance(shared["html"], PerLanguage)
        else mark_safe(shared["html"]),  # noqa: S308 - rendered by the face's templates
    }


def render_mine(request, item) -> str:
    """The viewer's own part of the current item: only what the face gives
    this viewer for this item ("" when they have no part in it)."""
    if item is None or _subject(item) is None or item.kind not in FACES:
        return ""
    return FACES[item.kind].mine_html(request, _subject(item))


def sheets_of(item, *, context: str = "") -> list:
    """The round sheets still to come of the process an agenda item runs
    (``core.sheets.Sheet``; none for a report, a frame item or a closed
    process)."""
    if item.subject is None or item.kind not in PROCESS_FACES:
        return []
    return PROCESS_FACES[item.kind].sheets(item.subject, context=context)
