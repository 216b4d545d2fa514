"""Meetings: scheduling, the agenda, attendance, notes, and the minutes.

Every function is one transaction with the meeting row locked; after commit
``core.events.changed(meeting)`` lets the live room push the new state.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.records import person
from circles import relays
from circles import selectors as circle_selectors
from core import jobs, notify
from core.errors import Conflict, Invalid, NotAllowed
from core.events import changed
from core.idempotency import created_before, first_time, remember_created
from decisions.models import Decision
from decisions.services import record_decision
from realtime import selectors, subjects
from realtime.models import FRAME_KINDS, AgendaDrop, AgendaItem, Attendance, Connection, Meeting

MAX_NOTES = 20_000


def _lock(meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update()
        .select_related("circle", "circle__organization")
        .get(pk=meeting.pk)
    )


def can_lead(user, meeting) -> bool:
    """The meeting's facilitator, or anyone who may facilitate its circle.

    The same two people the engines let run a step of the item the meeting
    runs: whoever may facilitate the circle, and the session's facilitator
    (``core.participation``), which for the current item of an open meeting
    is this meeting's facilitator (``selectors.session_of``).
    """
    if user is None or not user.is_authenticated:
        return False
    return user.pk == meeting.facilitator_id or circle_selectors.can_facilitate(
        user, meeting.circle
    )


def can_keep_minutes(user, meeting) -> bool:
    return can_lead(user, meeting) or (
        user is not None and user.is_authenticated and user.pk == meeting.secretary_id
    )


def _require_lead(user, meeting) -> None:
    if not can_lead(user, meeting):
        raise NotAllowed(_("Only the meeting's facilitator may do this."))


def _require_not_closed(meeting) -> None:
    if meeting.state == Meeting.State.CLOSED:
        raise Conflict(_("This meeting is closed."))
    if meeting.state == Meeting.State.CANCELLED:
        raise Conflict(_("This meeting is cancelled."))


def _require_scheduled(meeting) -> None:
    _require_not_closed(meeting)
    if meeting.state != Meeting.State.SCHEDULED:
        raise Conflict(_("The meeting is open: its agenda is no longer a draft."))


#: What a meeting's lead must be, said whole: a role's name put into a
#: sentence stayed in English in the other languages.
_NOT_A_MEMBER = {
    "facilitator": gettext_lazy("The facilitator must be a member of the circle."),
    "secretary": gettext_lazy("The secretary must be a member of the circle."),
}


def _require_member(user, circle, what: str) -> None:
    if user is not None and not circle_selectors.is_circle_member(user, circle):
        raise Invalid(str(_NOT_A_MEMBER[what]), field=what)


# A meeting may be scheduled to have started a little earlier (one that is
# starting now, typed to the minute or the hour), never in the past beyond that.
SCHEDULE_GRACE = timedelta(hours=1)


@transaction.atomic
def schedule_meeting(
    *,
    circle,
    title: str,
    scheduled_start: datetime,
    facilitator,
    by,
    secretary=None,
    key=None,
    template=None,
) -> Meeting:
    """A meeting of ``circle``; a retried call with the same ``key`` answers
    with the meeting the first one scheduled (and schedules no other).

    ``template`` lays out its agenda (``realtime.frame``): ``"frame"`` for the
    built-in sociocratic frame, a ``MeetingTemplate`` of the circle (or its
    id), or None / ``"none"`` for an empty agenda."""
    from realtime import frame

    earlier = created_before(key=key, user=by, model=Meeting)
    if earlier is not None:
        return earlier
    if not circle_selectors.can_facilitate(by, circle):
        raise NotAllowed(_("Only the circle's facilitator or leader may schedule a meeting."))
    if circle.dissolved is not None:
        raise Conflict(_("This circle is dissolved; it is kept read-only."))
    title = (title or "").strip()
    if not title:
        raise Invalid(_("A meeting needs a title."), field="title")
    if len(title) > 200:
        raise Invalid(_("A title has at most 200 characters."), field="title")
    if scheduled_start is None or timezone.is_naive(scheduled_start):
        raise Invalid(_("Give the start date and time."), field="scheduled_start")
    if scheduled_start < timezone.now() - SCHEDULE_GRACE:
        raise Invalid(
            _("A meeting cannot start in the past: choose a date and time from now on."),
            field="scheduled_start",
        )
    _require_member(facilitator, circle, "facilitator")
    _require_member(secretary, circle, "secretary")
    layout = frame.template_items(circle, template)
    meeting = Meeting.objects.create(
        circle=circle,
        title=title,
        scheduled_start=scheduled_start,
        facilitator=facilitator,
        secretary=secretary,
    )
    frame.lay_out(meeting, layout)
    remember_created(key=key, user=by, row=meeting)
    _invite(meeting, "scheduled")
    notify.announce(
        "meeting_scheduled",
        subject=meeting,
        key=f"meeting_scheduled:{meeting.pk}",
        title=meeting.title,
        circle=circle.name,
        start=meeting.scheduled_start.isoformat(),
        by=by.pk,
    )
    changed(meeting)
    return meeting


def _invite(meeting, kind: str) -> None:
    """Enqueue the invitations of the meeting as it is now (with the change)."""
    from realtime.tasks import send_invitations

    jobs.enqueue(send_invitations, meeting_id=meeting.pk, sequence=meeting.sequence, kind=kind)


def _check_start(scheduled_start) -> None:
    if scheduled_start is None or timezone.is_naive(scheduled_start):
        raise Invalid(_("Give the start date and time."), field="scheduled_start")
    if scheduled_start < timezone.now() - SCHEDULE_GRACE:
        raise Invalid(
            _("A meeting cannot start in the past: choose a date and time from now on."),
            field="scheduled_start",
        )


@transaction.atomic
def reschedule_meeting(*, meeting, scheduled_start: datetime, by, key=None) -> Meeting:
    """Move a scheduled meeting to another time: its members get the update
    (same calendar UID, SEQUENCE one more)."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    _require_scheduled(meeting)
    _check_start(scheduled_start)
    if scheduled_start == meeting.scheduled_start:
        return meeting
    meeting.scheduled_start = scheduled_start
    meeting.sequence += 1
    meeting.save(update_fields=["scheduled_start", "sequence"])
    _tell_members(meeting, "moved", by=by)
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting, by, key=None) -> Meeting:
    """Cancel a scheduled meeting: kept (state cancelled), its members told
    (METHOD:CANCEL, SEQUENCE one more); its agenda's processes are untouched."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    _require_scheduled(meeting)
    meeting.state = Meeting.State.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["state", "sequence"])
    _tell_members(meeting, "cancelled", by=by)
    return meeting


def _tell_members(meeting, change: str, *, by) -> None:
    """A scheduled meeting ``moved`` or ``cancelled``: the calendar update by
    email and the notification (one per change: the key carries the
    sequence), then the room."""
    _invite(meeting, change)
    notify.announce(
        f"meeting_{change}",
        subject=meeting,
        key=f"meeting_{change}:{meeting.pk}:{meeting.sequence}",
        title=meeting.title,
        circle=meeting.circle.name,
        start=meeting.scheduled_start.isoformat(),
        by=by.pk,
    )
    changed(meeting)


@transaction.atomic
def add_item(
    *, meeting, kind: str, title: str = "", by, proposal=None, election=None, key=None
) -> AgendaItem | None:
    """Put an item on the agenda; None when ``key`` was used before (a
    repeated post of the same form adds nothing)."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    _require_not_closed(meeting)
    if not first_time(key=key, user=by):
        return None
    if kind not in AgendaItem.Kind.values:
        raise Invalid(_("Unknown kind of agenda item."), field="kind")
    subject = {"proposal": proposal, "election": election}.get(kind)
    if kind in ("proposal", "election"):
        if subject is None:
            raise Invalid(_("Choose what this item runs."), field=kind)
        if subject.circle_id != meeting.circle_id:
            raise Invalid(_("It belongs to another circle."), field=kind)
        if not subjects.may_go_on_agenda(subject):
            raise Invalid(_("It is closed: it cannot go on an agenda."), field=kind)
        title = title or str(subject)
    else:
        proposal = election = None
    minutes_of = None
    if kind == "minutes_consent":
        from realtime import frame

        minutes_of = frame.previous_minutes(meeting.circle, before=meeting)
        if minutes_of is None:
            raise Invalid(_("This circle has no previous minutes to consent to."), field="kind")
    title = (title or "").strip() or (
        str(AgendaItem.Kind(kind).label) if kind in FRAME_KINDS else ""
    )
    if not title:
        raise Invalid(_("An agenda item needs a title."), field="title")
    position = meeting.items.count() + 1
    # Items added to a framed agenda go before its closing round.
    last = meeting.items.order_by("-position").first()
    if (
        kind != "closing"
        and last is not None
        and last.kind == "closing"
        and not has_run(meeting, last)
    ):
        AgendaItem.objects.filter(pk=last.pk).update(position=position)
        position = last.position
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=position,
        kind=kind,
        title=title[:200],
        proposal=proposal if kind == "proposal" else None,
        election=election if kind == "election" else None,
        minutes_of=minutes_of,
    )
    changed(meeting)
    return item


def _due(meeting, key: str):
    due = next((d for d in selectors.draft_agenda(meeting) if d.key == (key or "")), None)
    if due is None:
        raise Invalid(_("This item is not proposed for this meeting (any more)."), field="key")
    return due


@transaction.atomic
def add_due_item(*, meeting, due_key: str, by, key=None) -> AgendaItem | None:
    """Put a due item of the draft agenda (``core.agenda``, by its key) on the
    agenda; a selection or proposal it names but that does not exist yet is
    made now, by its app's service (``DueItem.create``). None when the form's
    ``key`` was used before."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    _require_scheduled(meeting)
    if not first_time(key=key, user=by):
        return None
    due = _due(meeting, due_key)
    process = due.process
    if process is None and due.create is not None:
        process = due.create(by)
    item = add_item(
        meeting=meeting,
        kind=due.kind,
        title=due.title,
        by=by,
        proposal=process if due.kind == "proposal" else None,
        election=process if due.kind == "election" else None,
    )
    item.source_key = due.key
    item.save(update_fields=["source_key"])
    return item


@transaction.atomic
def drop_due_item(*, meeting, due_key: str, by) -> AgendaDrop:
    """Leave a due item out of this meeting's draft; it is proposed again for
    the next meeting (the drop belongs to this meeting only)."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    _require_scheduled(meeting)
    existing = AgendaDrop.objects.filter(meeting=meeting, key=due_key or "").first()
    if existing is not None:
        return existing  # dropped already (a second click)
    due = _due(meeting, due_key)
    drop = AgendaDrop.objects.create(meeting=meeting, key=due.key, by=by)
    changed(meeting)
    return drop


@transaction.atomic
def reorder_items(*, meeting, order: list[int], by) -> list[AgendaItem]:
    """Put the agenda in ``order`` (every item id once)."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    _require_not_closed(meeting)
    items = {item.pk: item for item in meeting.items.all()}
    if sorted(order) != sorted(items):
        raise Invalid(_("Give every agenda item exactly once."), field="order")
    # Two passes, so no two items ever share a position on the way (the
    # unique constraint is checked row by row on SQLite).
    offset = len(items) + 1000
    for position, item_id in enumerate(order, start=1):
        AgendaItem.objects.filter(pk=item_id).update(position=offset + position)
    for position, item_id in enumerate(order, start=1):
        AgendaItem.objects.filter(pk=item_id).update(position=position)
        items[item_id].position = position
    changed(meeting)
    return [items[i] for i in order]


def has_run(meeting, item) -> bool:
    """An item the meeting has taken up: current now, marked done, or with a
    decision. It stays on the agenda (the minutes name it)."""
    return (
        item.done is not None or item.decision_id is not None or meeting.current_item_id == item.pk
    )


@transaction.atomic
def remove_item(*, meeting, item, by, key=None) -> Meeting:
    """Take an item off the agenda before it runs; the items after it move up.

    Refused once the item ran (current, done, or with a decision) and on a
    closed meeting. The proposal or selection it named is untouched.
    """
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    _require_not_closed(meeting)
    item = AgendaItem.objects.select_for_update().filter(pk=item.pk, meeting=meeting).first()
    if item is None:
        raise Invalid(_("This item is not on this meeting's agenda."), field="item")
    if has_run(meeting, item):
        raise Conflict(_("This item has run: it stays on the agenda and in the minutes."))
    removed_at = item.position
    item.delete()
    # Close the gap, one row at a time upwards, so no two items share a
    # position on the way (the unique constraint is checked row by row on SQLite).
    for later in meeting.items.filter(position__gt=removed_at).order_by("position"):
        AgendaItem.objects.filter(pk=later.pk).update(position=later.position - 1)
    changed(meeting)
    return meeting


@transaction.atomic
def open_meeting(*, meeting, by, key=None) -> Meeting:
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    if meeting.state != Meeting.State.SCHEDULED:
        raise Conflict(_("This meeting is already open or closed."))
    meeting.state = Meeting.State.OPEN
    meeting.started = timezone.now()
    first = meeting.items.order_by("position").first()
    # A process runs in one session at a time: if another open meeting is
    # running the first item's process, the facilitator picks an item.
    meeting.current_item = first if first is None or not _running_elsewhere(first) else None
    meeting.save(update_fields=["state", "started", "current_item"])
    if circle_selectors.is_circle_member(by, meeting.circle):
        Attendance.objects.get_or_create(meeting=meeting, user=by, left__isnull=True)
    changed(meeting)
    return meeting


@transaction.atomic
def join(*, meeting, user) -> Attendance | None:
    """Mark ``user`` present when they enter the room of an open meeting."""
    meeting = _lock(meeting)
    if meeting.state != Meeting.State.OPEN:
        return None
    if not circle_selectors.is_circle_member(user, meeting.circle):
        return None  # guests may watch; only members take part
    attendance = meeting.attendance.filter(user=user, left__isnull=True).first()
    if attendance is None:
        attendance = Attendance.objects.create(meeting=meeting, user=user)
        changed(meeting, part="presence")
    return attendance


@transaction.atomic
def mark_attendance(*, meeting, user, present: bool, by) -> None:
    """The secretary corrects attendance (people in the room without a device)."""
    meeting = _lock(meeting)
    if not can_keep_minutes(by, meeting):
        raise NotAllowed(_("Only the secretary or the facilitator may correct attendance."))
    _require_not_closed(meeting)
    if not circle_selectors.is_circle_member(user, meeting.circle):
        raise Invalid(_("Only members of the circle take part."), field="user")
    open_row = meeting.attendance.filter(user=user, left__isnull=True).first()
    if present and open_row is None:
        Attendance.objects.create(meeting=meeting, user=user, marked_by=by)
    elif not present and open_row is not None:
        open_row.left = timezone.now()
        open_row.save(update_fields=["left"])
    else:
        return
    changed(meeting, part="presence")


def _running_elsewhere(item) -> bool:
    """Whether the process ``item`` runs is the current item of another open
    meeting. One session per process: its participants and its facilitator
    (``core.participation``) must come from one meeting only."""
    if item.proposal_id is None and item.election_id is None:
        return False
    return (
        Meeting.objects.filter(
            state=Meeting.State.OPEN,
            current_item__proposal_id=item.proposal_id,
            current_item__election_id=item.election_id,
        )
        .exclude(pk=item.meeting_id)
        .exists()
    )


@transaction.atomic
def set_current_item(*, meeting, item, by, key=None) -> Meeting:
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    if meeting.state != Meeting.State.OPEN:
        raise Conflict(_("The meeting is not open."))
    if item.meeting_id != meeting.pk:
        raise Invalid(_("This item is not on this meeting's agenda."), field="item")
    if _running_elsewhere(item):
        raise Conflict(_("Another open meeting is running this process now."))
    if meeting.current_item_id and meeting.current_item_id != item.pk:
        _finish(AgendaItem.objects.select_for_update().get(pk=meeting.current_item_id))
    meeting.current_item = item
    meeting.timer_ends = None
    meeting.save(update_fields=["current_item", "timer_ends"])
    changed(meeting)
    return meeting


@transaction.atomic
def set_timer(*, meeting, seconds: int, by) -> Meeting:
    """Set (or clear, with 0) the meeting's timer.

    For the meeting's own facilitator the write is one conditional UPDATE
    (open, and still led by them): the row lock the UPDATE takes is all the
    locking it needs, and nothing else is read. Anyone else, or a refused
    UPDATE, takes the locked path, which checks and says why.
    """
    seconds = int(seconds)
    valid = 0 <= seconds <= 3 * 3600
    ends = timezone.now() + timedelta(seconds=seconds) if valid and seconds else None
    if valid and by is not None and by.is_authenticated and by.pk == meeting.facilitator_id:
        written = Meeting.objects.filter(
            pk=meeting.pk, state=Meeting.State.OPEN, facilitator_id=by.pk
        ).update(timer_ends=ends)
        if written:
            meeting.timer_ends = ends
            meeting.state = Meeting.State.OPEN
            changed(meeting, part="timer")
            return meeting
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if meeting.state != Meeting.State.OPEN:
        raise Conflict(_("The meeting is not open."))
    if not valid:
        raise Invalid(_("A timer runs between 0 seconds and 3 hours."), field="seconds")
    meeting.timer_ends = ends
    meeting.save(update_fields=["timer_ends"])
    changed(meeting, part="timer")
    return meeting


@transaction.atomic
def save_notes(*, item, notes: str, by) -> AgendaItem:
    meeting = _lock(item.meeting)
    if not can_keep_minutes(by, meeting):
        raise NotAllowed(_("Only the secretary or the facilitator may write the minutes."))
    _require_not_closed(meeting)
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise Invalid(_("Notes have at most %(n)d characters.") % {"n": MAX_NOTES}, field="notes")
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    item.notes = notes
    item.save(update_fields=["notes"])
    changed(meeting, part="item")
    return item


Outcome = AgendaItem.Outcome

#: A process's state when the meeting leaves its item -> the item's outcome.
_PROCESS_OUTCOMES = {
    ("proposal", "adopted"): Outcome.DECIDED,
    ("proposal", "withdrawn"): Outcome.WITHDRAWN,
    ("proposal", "deferred"): Outcome.DEFERRED,
    ("election", "elected"): Outcome.SELECTED,
    ("election", "cancelled"): Outcome.CANCELLED,
}


def item_outcome(item, *, reached: bool) -> tuple[str, Decision | None]:
    """How ``item`` ended, read from what it ran: a proposal adopted is
    decided (its decision), withdrawn or deferred; a selection made is
    selected (its decision), cancelled, or else opened and not finished; a
    proposal still open is deferred to the next meeting. A report or other
    item is noted once the meeting took it up (``reached``), else deferred.
    A frame item is consented, noted or not held (``frame.outcome``)."""
    if item.is_frame:
        from realtime import frame

        return frame.outcome(item, reached=reached), None
    subject = item.subject
    if subject is None:
        return (Outcome.NOTED if reached else Outcome.DEFERRED), item.decision
    decision = getattr(subject, "decision", None) or item.decision
    outcome = _PROCESS_OUTCOMES.get((item.kind, subject.state))
    if outcome is None:
        outcome = Outcome.SELECTION_OPENED if item.kind == "election" else Outcome.DEFERRED
    return outcome, decision


def relay_record(relay) -> dict:
    """What the minutes say of a relay the agenda carried (docs/RECORDS.md)."""
    return {
        "id": relay.pk,
        "direction": relay.direction,
        "from": {"slug": relay.source.slug, "name": relay.source.name},
        "decision": relay.decision.sequence,
        "decision_hash": relay.decision.hash,
        "carrier": person(relays.carrier(relay)),
    }


def _finish(item, *, now=None, reached: bool = True) -> AgendaItem:
    """Mark ``item`` done (if the meeting took it up) and set its outcome; a
    frame item's round still open closes (the meeting moved on from it)."""
    if item.is_frame:
        from proposals import rounds

        open_round = rounds.open_round_of(item)
        if open_round is not None:
            rounds.close_round(round_=open_round)
    item.outcome, item.decision = item_outcome(item, reached=reached)
    if reached and item.done is None:
        item.done = now or timezone.now()
    item.save(update_fields=["outcome", "decision", "done"])
    return item


@transaction.atomic
def close_meeting(*, meeting, by, notes: str = "", key=None) -> Meeting:
    """Close the meeting and record its minutes as a decision of kind ``minutes``."""
    meeting = _lock(meeting)
    _require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return meeting
    if meeting.state != Meeting.State.OPEN:
        raise Conflict(_("Only an open meeting can be closed."))
    now = timezone.now()
    notes = (notes or meeting.notes or "").strip()[:MAX_NOTES]
    attendance = (
        Attendance.objects.filter(meeting=meeting).select_related("user").order_by("joined")
    )
    people = {a.user_id: a.user for a in attendance}
    from realtime import frame

    items = []
    #: The relays (``circles.relays``) this meeting's agenda carried: presented here.
    carried = []
    for item in (
        meeting.items.select_for_update(of=("self",))
        .select_related("proposal", "election", "decision", "minutes_of")
        .order_by("position")
    ):
        reached = item.done is not None or item.pk == meeting.current_item_id
        item = _finish(item, now=now, reached=reached)
        relay = relays.of_agenda_key(meeting.circle, item.source_key)
        if relay is not None and item.outcome != Outcome.NOTED:
            # On the agenda is presented: the circle has it in its minutes.
            item.outcome = Outcome.NOTED
            item.save(update_fields=["outcome"])
        decision = item.decision
        entry = {
            "position": item.position,
            "kind": item.kind,
            "title": item.title,
            "outcome": item.outcome,
            "decision": decision.sequence if decision else None,
            "decision_hash": decision.hash if decision else None,
            "notes": item.notes,
            **(frame.record(item) if item.is_frame else {}),
        }
        if relay is not None:
            carried.append(relay)
            entry["relay"] = relay_record(relay)
        items.append(entry)
    meeting.state = Meeting.State.CLOSED
    meeting.ended = now
    meeting.notes = notes
    Attendance.objects.filter(meeting=meeting, left__isnull=True).update(left=now)
    # Sockets of a closed room are sent away; rows a crashed process left behind go too.
    Connection.objects.filter(meeting=meeting).delete()
    labels = dict(Outcome.choices)
    body_lines = [
        f"{i['position']}. {i['title']} — {labels.get(i['outcome'], '')}"
        + (f" (#{i['decision']})" if i["decision"] else "")
        + (
            " — " + _("relayed decision #%(number)s") % {"number": i["relay"]["decision"]}
            if "relay" in i
            else ""
        )
        for i in items
    ]
    minutes = record_decision(
        organization=meeting.circle.organization,
        kind=Decision.Kind.MINUTES,
        circle=meeting.circle,
        title=_("Minutes: %(title)s") % {"title": meeting.title},
        body="\n".join(body_lines) + (f"\n\n{notes}" if notes else ""),
        record={
            "action": "meeting_minutes",
            "by": person(by),
            "meeting": {
                "id": meeting.pk,
                "title": meeting.title,
                "started": meeting.started,
                "ended": now,
            },
            "attendance": [person(u) for u in people.values()],
            "items": items,
            "facilitator": person(meeting.facilitator),
            "secretary": person(meeting.secretary),
            "notes": notes,
        },
    )
    for relay in carried:
        relays.presented_in_meeting(relay_=relay, minutes=minutes, by=by)
    meeting.minutes = minutes
    meeting.current_item = None
    meeting.timer_ends = None
    meeting.save(update_fields=["state", "ended", "notes", "minutes", "current_item", "timer_ends"])
    changed(meeting)
    return meeting
