"""Reads for meetings and the live room."""

from django.db.models import Exists, OuterRef

from circles import selectors as circle_selectors
from core import agenda as due_agenda
from core.participation import Session
from realtime import subjects
from realtime.models import AgendaItem, Attendance, Connection, Meeting


def room_access(user, meeting_id) -> tuple[str, Meeting | None]:
    """("ok" | "not_found" | "forbidden" | "closed", meeting) for a socket.

    Members of the organization may watch a room; a meeting of an
    organization the user does not belong to is "not_found" for them.
    """
    meeting = (
        Meeting.objects.select_related("circle", "circle__organization")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return "not_found", None
    if not circle_selectors.can_read_organization(user, meeting.circle.organization):
        return "forbidden", None
    if meeting.state == Meeting.State.CLOSED:
        return "closed", meeting
    return "ok", meeting


def meetings_of(organization, *, circle=None):
    qs = Meeting.objects.filter(circle__organization=organization).select_related("circle")
    if circle is not None:
        qs = qs.filter(circle=circle)
    return qs.order_by("-scheduled_start")


def meetings_showing(subject) -> list[Meeting]:
    """Open meetings whose agenda runs ``subject`` (a process's subject)."""
    kind = subjects.kind_of(subject)
    if kind is None:
        return []
    return list(
        Meeting.objects.filter(state=Meeting.State.OPEN, **{f"items__{kind}": subject}).distinct()
    )


def meeting_ids_showing(subject) -> list[int]:
    """The ids of ``meetings_showing(subject)``, one query."""
    kind = subjects.kind_of(subject)
    if kind is None:
        return []
    return list(
        Meeting.objects.filter(state=Meeting.State.OPEN, **{f"items__{kind}": subject})
        .values_list("pk", flat=True)
        .distinct()
    )


def add_connection(*, meeting_id, user, channel_name, language: str = "") -> None:
    """Note an open socket (the consumer sends the presence update, coalesced)."""
    Connection.objects.get_or_create(
        channel_name=channel_name,
        defaults={"meeting_id": meeting_id, "user": user, "language": language},
    )


def remove_connection(*, channel_name) -> None:
    Connection.objects.filter(channel_name=channel_name).delete()


def connected(meeting) -> dict[int, str]:
    """{user id: language} of the people with a live socket in the room
    (rows whose process stopped refreshing them are ignored)."""
    return dict(Connection.live().filter(meeting=meeting).values_list("user_id", "language"))


def connected_user_ids(meeting) -> set[int]:
    return set(connected(meeting))


def touch_connections(channel_names) -> int:
    """The heartbeat: these sockets are still open."""
    from django.utils import timezone

    return Connection.objects.filter(channel_name__in=list(channel_names)).update(
        last_seen=timezone.now()
    )


def sweep_connections() -> list[int]:
    """Delete the rows of sockets whose process stopped refreshing them;
    the meetings whose presence changed."""
    from django.utils import timezone

    stale = Connection.objects.filter(last_seen__lt=timezone.now() - Connection.STALE_AFTER)
    meeting_ids = sorted(set(stale.values_list("meeting_id", flat=True)))
    if meeting_ids:
        stale.delete()
    return meeting_ids


def present(meeting):
    return (
        Attendance.objects.filter(meeting=meeting, left__isnull=True)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


def agenda(meeting, *, decisions: bool = True):
    """The meeting's items in order, each with the process it runs and, with
    ``decisions``, the decision it recorded (the meeting's page links to
    it). The room shows no decision and reads its agenda on every change, so
    it leaves that join out."""
    related = ["proposal", "election", *(["decision"] if decisions else [])]
    return AgendaItem.objects.filter(meeting=meeting).select_related(*related)


def draft_agenda(meeting) -> list[due_agenda.DueItem]:
    """What is proposed for ``meeting``'s agenda (``core.agenda``): every due
    item of its circle, less what the facilitator dropped from this meeting,
    what was added from the draft already, and any process already on the
    agenda (each process once). Only while the meeting is scheduled."""
    if meeting.state != Meeting.State.SCHEDULED:
        return []
    dropped = set(meeting.drops.values_list("key", flat=True))
    items = list(AgendaItem.objects.filter(meeting=meeting))
    added = {item.source_key for item in items if item.source_key}
    running = {(item.kind, item.subject_id) for item in items if item.subject_id is not None}
    draft = []
    for due in due_agenda.due_items(meeting.circle, meeting):
        if due.key in dropped or due.key in added:
            continue
        process = due.process
        if process is not None:
            if (due.kind, process.pk) in running:
                continue
            running.add((due.kind, process.pk))
        draft.append(due)
    return draft


def session_of(subject) -> Session | None:
    """The session port's provider (``core.participation``): for a proposal or
    election that is the current item of an open meeting, the meeting, its
    facilitator, its secretary and the members present (still members of the circle) in
    seat order. ``services.set_current_item`` keeps it to one meeting."""
    kind = subjects.kind_of(subject)
    if kind is None:
        return None
    meeting = (
        Meeting.objects.filter(state=Meeting.State.OPEN, **{f"current_item__{kind}": subject})
        .select_related("circle")
        .first()
    )
    if meeting is None:
        return None
    return session_from(meeting)


def session_from(meeting) -> Session:
    """The session an open meeting gives the process it runs as its current
    item (the one definition, for ``session_of`` and for the room, which
    has just read the meeting: ``subjects.subject_context``)."""
    return Session(
        meeting_id=meeting.pk,
        title=meeting.title,
        facilitator_id=meeting.facilitator_id,
        present=lambda: present_ids(meeting),
        secretary_id=meeting.secretary_id,
    )


def present_ids(meeting) -> list[int]:
    """The members present (still members of the circle), in the circle's
    seat order (``circles.selectors.seat_order``, the one definition), in one
    query."""
    here = Attendance.objects.filter(meeting=meeting, user=OuterRef("pk"), left__isnull=True)
    return circle_selectors.seat_order(meeting.circle, among=Exists(here))
