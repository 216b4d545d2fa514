"""Meetings as JSON: the list, scheduling, the agenda, attendance, and every
room action of the facilitator, the secretary and the members, behind the
same services as the pages (``realtime.services``).

Actions on a meeting take an ``Idempotency-Key`` header: a replay does
nothing and answers with the meeting as it stands. A meeting of an organization the
caller does not belong to answers 404. What a participant answers in a
round is the proposals and elections API's (the current item names its
proposal or selection).
"""

from datetime import date, datetime
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import selectors as circle_selectors
from core.errors import Invalid, NotFound
from core.idempotency import first_time, used_before
from core.schemas import IDEMPOTENT, idempotency_key
from realtime import frame, selectors, services
from realtime.models import AgendaItem, Meeting, MeetingTemplate

router = Router(tags=["meetings"])

MeetingState = Literal["scheduled", "open", "closed", "cancelled"]
AgendaKind = Literal[
    "proposal",
    "election",
    "report",
    "other",
    "opening",
    "agenda_consent",
    "minutes_consent",
    "closing",
]
TemplateKind = Literal["opening", "agenda_consent", "minutes_consent", "closing", "report", "other"]
MeetingRole = Literal["facilitator", "secretary", "member"]


# Schemas -------------------------------------------------------------------------


class FrameAnswerOut(Schema):
    member: PersonOut
    kind: Literal["reaction", "pass", "consent", "object"]
    text: str
    recorded_by: PersonOut | None


class FrameRoundOut(Schema):
    id: int
    kind: Literal["reaction", "consent"]
    opened: datetime
    closed: datetime | None
    #: User ids in speaking order; ``current_speaker`` is whose turn it is.
    speakers: list[int]
    current_speaker: int | None
    consented: bool
    #: For the consent to the agenda: the agenda's titles the round was on.
    agenda: list[str] | None
    answers: list[FrameAnswerOut]


class AgendaItemOut(Schema):
    id: int
    position: int
    kind: AgendaKind
    title: str
    proposal: int | None
    election: int | None
    outcome: str
    notes: str
    decision: int | None
    done: datetime | None
    current: bool
    #: A consent to the previous minutes: their sequence in the log.
    minutes_of: int | None
    #: A frame item's rounds (opening, consent to the agenda or the minutes, closing).
    rounds: list[FrameRoundOut]


class AttendanceOut(Schema):
    member: PersonOut
    joined: datetime
    left: datetime | None
    marked_by: PersonOut | None


class MeetingSummaryOut(Schema):
    id: int
    organization: str
    circle: str
    title: str
    state: MeetingState
    scheduled_start: datetime
    started: datetime | None
    ended: datetime | None
    facilitator: PersonOut
    secretary: PersonOut | None
    minutes: int | None


class MeetingOut(MeetingSummaryOut):
    current_item: int | None
    timer_ends: datetime | None
    notes: str
    items: list[AgendaItemOut]
    present: list[PersonOut]
    attendance: list[AttendanceOut]
    your_roles: list[MeetingRole]


class DueItemOut(Schema):
    key: str
    kind: AgendaKind
    title: str
    reason: str
    proposal: int | None
    election: int | None
    due: date | None
    url: str


class DueKeyIn(Schema):
    #: The proposed item's key (``key`` of ``get_draft_agenda``).
    item_key: str


class ScheduleMeetingIn(Schema):
    circle: str
    title: str
    scheduled_start: datetime
    facilitator: int | None = None
    secretary: int | None = None
    #: The agenda it starts with: ``"frame"`` (the built-in sociocratic
    #: frame), the id of one of the circle's templates, or ``"none"``;
    #: left out, the agenda starts empty.
    template: str | None = None


class TemplateItemIn(Schema):
    kind: TemplateKind
    title: str


class MeetingTemplateOut(Schema):
    id: int | None
    circle: str
    name: str
    built_in: bool
    items: list[TemplateItemIn]


class MeetingTemplateIn(Schema):
    name: str
    items: list[TemplateItemIn]


class SaveTemplateIn(Schema):
    name: str


class FrameAnswerIn(Schema):
    kind: Literal["reaction", "pass", "consent", "object"]
    text: str = ""
    #: Someone present without a device, answered for by the secretary or
    #: the facilitator (the caller): their id.
    member: int | None = None


class AgendaItemIn(Schema):
    kind: AgendaKind
    title: str = ""
    proposal: int | None = None
    election: int | None = None


class AgendaOrderIn(Schema):
    order: list[int]


class AgendaMoveIn(Schema):
    direction: Literal["up", "down"]


class ItemNotesIn(Schema):
    notes: str = ""


class AttendanceIn(Schema):
    member: int
    present: bool


class CurrentItemIn(Schema):
    item: int


class TimerIn(Schema):
    seconds: int


class RescheduleIn(Schema):
    scheduled_start: datetime


class CloseMeetingIn(Schema):
    notes: str = ""


# Helpers ---------------------------------------------------------------------------


def _organization(request, org):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise NotFound(_("Not found."))
    return organization


def _meeting(request, org, meeting_id) -> Meeting:
    meeting = (
        Meeting.objects.select_related("circle", "circle__organization", "facilitator", "secretary")
        .filter(pk=meeting_id, circle__organization__slug=org)
        .first()
    )
    if meeting is None or not circle_selectors.can_read_organization(
        request.user, meeting.circle.organization
    ):
        raise NotFound(_("Not found."))
    return meeting


def _item(meeting, item_id) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).select_related("meeting").first()
    if item is None:
        raise NotFound(_("This meeting has no such agenda item."))
    return item


_key = idempotency_key


def _once(request, action) -> None:
    """Run ``action`` unless the request's Idempotency-Key was used before.

    For the services that take no key themselves: the key is claimed in the
    same transaction as the action, so a refused action frees it again.
    """
    with transaction.atomic():
        if first_time(key=_key(request), user=request.user):
            action()


def _roles(user, meeting) -> list[str]:
    roles = []
    if services.can_lead(user, meeting):
        roles.append("facilitator")
    if services.can_keep_minutes(user, meeting):
        roles.append("secretary")
    if circle_selectors.is_circle_member(user, meeting.circle):
        roles.append("member")
    return roles


def _summary(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "organization": m.circle.organization.slug,
        "circle": m.circle.slug,
        "title": m.title,
        "state": m.state,
        "scheduled_start": m.scheduled_start,
        "started": m.started,
        "ended": m.ended,
        "facilitator": person(m.facilitator),
        "secretary": person(m.secretary),
        "minutes": m.minutes.sequence if m.minutes_id else None,
    }


def _full(request, meeting: Meeting) -> dict:
    m = (
        Meeting.objects.select_related(
            "circle", "circle__organization", "facilitator", "secretary", "minutes"
        )
        .filter(pk=meeting.pk)
        .get()
    )
    return {
        **_summary(m),
        "current_item": m.current_item_id,
        "timer_ends": m.timer_ends,
        "notes": m.notes,
        "items": [
            {
                "id": i.pk,
                "position": i.position,
                "kind": i.kind,
                "title": i.title,
                "proposal": i.proposal_id,
                "election": i.election_id,
                "outcome": i.outcome,
                "notes": i.notes,
                "decision": i.decision.sequence if i.decision_id else None,
                "done": i.done,
                "current": i.pk == m.current_item_id,
                "minutes_of": i.minutes_of.sequence if i.minutes_of_id else None,
                "rounds": _rounds(i) if i.is_frame else [],
            }
            for i in selectors.agenda(m).select_related("minutes_of").order_by("position")
        ],
        "present": [person(a.user) for a in selectors.present(m)],
        "attendance": [
            {
                "member": person(a.user),
                "joined": a.joined,
                "left": a.left,
                "marked_by": person(a.marked_by),
            }
            for a in m.attendance.select_related("user", "marked_by").order_by("joined", "pk")
        ],
        "your_roles": _roles(request.user, m),
    }


def _rounds(item) -> list[dict]:
    return [
        {
            "id": row["round"].pk,
            "kind": row["round"].kind,
            "opened": row["round"].opened,
            "closed": row["round"].closed,
            "speakers": list(row["round"].speakers),
            "current_speaker": row["round"].current_speaker_id,
            "consented": row["consented"],
            "agenda": row["agenda"],
            "answers": [
                {
                    "member": person(a.member),
                    "kind": a.kind,
                    "text": a.text,
                    "recorded_by": person(a.recorded_by),
                }
                for a in row["answers"]
            ],
        }
        for row in frame.round_rows(item)
    ]


def _org_person(organization, user_id, field):
    if user_id is None:
        return None
    user = circle_selectors.org_person_or_none(organization, user_id)
    if user is None:
        raise Invalid(_("Choose a person of the organization."), field=field)
    return user


# Reads -------------------------------------------------------------------------------


@router.get("/orgs/{org}/meetings", response=list[MeetingSummaryOut], operation_id="list_meetings")
def list_meetings(request, org: str, circle: str | None = None):
    """The organization's (or a circle's) meetings, the latest start first."""
    organization = _organization(request, org)
    circle_obj = None
    if circle:
        circle_obj = circle_selectors.circle_or_none(organization, circle)
        if circle_obj is None:
            raise NotFound(_("This organization has no such circle."))
    meetings = selectors.meetings_of(organization, circle=circle_obj).select_related(
        "circle__organization", "facilitator", "secretary", "minutes"
    )
    return [_summary(m) for m in meetings]


@router.get("/orgs/{org}/meetings/{meeting_id}", response=MeetingOut, operation_id="get_meeting")
def get_meeting(request, org: str, meeting_id: int):
    """The meeting, its agenda (the current item marked), who is present, the
    attendance with corrections, and the caller's roles in it."""
    return _full(request, _meeting(request, org, meeting_id))


# Scheduling and the agenda -------------------------------------------------------------


def _draft(meeting) -> list[dict]:
    return [
        {
            "key": d.key,
            "kind": d.kind,
            "title": d.title,
            "reason": d.reason,
            "proposal": getattr(d.proposal, "pk", None),
            "election": getattr(d.election, "pk", None),
            "due": d.due,
            "url": d.url,
        }
        for d in selectors.draft_agenda(meeting)
    ]


@router.get(
    "/orgs/{org}/meetings/{meeting_id}/draft",
    response=list[DueItemOut],
    operation_id="get_draft_agenda",
)
def get_draft_agenda(request, org: str, meeting_id: int):
    """What is due in the meeting's circle and proposed for its agenda, each
    with why (a policy to review, a term ending, a proposal flagged or
    deferred, an item left unfinished…); empty once the meeting opened."""
    return _draft(_meeting(request, org, meeting_id))


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/draft/add",
    response={201: MeetingOut},
    operation_id="add_due_item",
    openapi_extra=IDEMPOTENT,
)
def add_due_item(request, org: str, meeting_id: int, payload: DueKeyIn):
    """Facilitator: put a proposed item (by its key) on the agenda; a
    selection to open is opened now."""
    meeting = _meeting(request, org, meeting_id)
    services.add_due_item(
        meeting=meeting, due_key=payload.item_key, by=request.user, key=_key(request)
    )
    return Status(201, _full(request, meeting))


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/draft/drop",
    response=list[DueItemOut],
    operation_id="drop_due_item",
    openapi_extra=IDEMPOTENT,
)
def drop_due_item(request, org: str, meeting_id: int, payload: DueKeyIn):
    """Facilitator: leave a proposed item out of this meeting (it is proposed
    again for the next one); answers with the draft that remains."""
    meeting = _meeting(request, org, meeting_id)
    _once(
        request,
        lambda: services.drop_due_item(meeting=meeting, due_key=payload.item_key, by=request.user),
    )
    return _draft(meeting)


@router.post(
    "/orgs/{org}/meetings",
    response={201: MeetingOut},
    operation_id="schedule_meeting",
    openapi_extra=IDEMPOTENT,
)
def schedule_meeting(request, org: str, payload: ScheduleMeetingIn):
    """The circle's facilitator or leader schedules a meeting (facilitator:
    the caller unless another member is named; the secretary is optional).
    A retry with the same Idempotency-Key answers with the meeting scheduled
    the first time."""
    organization = _organization(request, org)
    circle = circle_selectors.circle_or_none(organization, payload.circle)
    if circle is None:
        raise NotFound(_("This organization has no such circle."))
    facilitator = _org_person(organization, payload.facilitator, "facilitator") or request.user
    secretary = _org_person(organization, payload.secretary, "secretary")
    meeting = services.schedule_meeting(
        circle=circle,
        title=payload.title,
        scheduled_start=payload.scheduled_start,
        facilitator=facilitator,
        secretary=secretary,
        by=request.user,
        key=_key(request),
        template=payload.template,
    )
    return Status(201, _full(request, meeting))


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items",
    response={201: MeetingOut},
    operation_id="add_agenda_item",
    openapi_extra=IDEMPOTENT,
)
def add_agenda_item(request, org: str, meeting_id: int, payload: AgendaItemIn):
    """Facilitator: an item at the end of the agenda; a proposal or a selection
    of the meeting's circle (its id), or a report or another item (a title)."""
    meeting = _meeting(request, org, meeting_id)
    proposal = election = None
    if payload.kind == "proposal" and payload.proposal is not None:
        from proposals.models import Proposal

        proposal = Proposal.objects.filter(
            pk=payload.proposal, circle__organization=meeting.circle.organization
        ).first()
        if proposal is None:
            raise Invalid(_("This organization has no such proposal."), field="proposal")
    if payload.kind == "election" and payload.election is not None:
        from elections.models import Election

        election = Election.objects.filter(
            pk=payload.election, circle__organization=meeting.circle.organization
        ).first()
        if election is None:
            raise Invalid(_("This organization has no such selection."), field="election")
    _once(
        request,
        lambda: services.add_item(
            meeting=meeting,
            kind=payload.kind,
            title=payload.title,
            proposal=proposal,
            election=election,
            by=request.user,
        ),
    )
    return Status(201, _full(request, meeting))


@router.put(
    "/orgs/{org}/meetings/{meeting_id}/items/order",
    response=MeetingOut,
    operation_id="reorder_agenda",
    openapi_extra=IDEMPOTENT,
)
def reorder_agenda(request, org: str, meeting_id: int, payload: AgendaOrderIn):
    """Facilitator: the whole agenda in a new order (every item id once)."""
    meeting = _meeting(request, org, meeting_id)
    _once(
        request,
        lambda: services.reorder_items(meeting=meeting, order=payload.order, by=request.user),
    )
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/move",
    response=MeetingOut,
    operation_id="move_agenda_item",
    openapi_extra=IDEMPOTENT,
)
def move_agenda_item(request, org: str, meeting_id: int, item_id: int, payload: AgendaMoveIn):
    """Facilitator: one place up or down (the page's arrows); at either end,
    nothing moves."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    order = list(meeting.items.order_by("position").values_list("pk", flat=True))
    i = order.index(item.pk)
    j = i - 1 if payload.direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    _once(request, lambda: services.reorder_items(meeting=meeting, order=order, by=request.user))
    return _full(request, meeting)


@router.delete(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}",
    response=MeetingOut,
    operation_id="remove_agenda_item",
    openapi_extra=IDEMPOTENT,
)
def remove_agenda_item(request, org: str, meeting_id: int, item_id: int):
    """Facilitator: take an item off the agenda before it runs (the items after
    it move up); 409 once it ran (current, done, or with a decision). The
    proposal or selection it named stays as it is."""
    meeting = _meeting(request, org, meeting_id)
    if used_before(key=_key(request), user=request.user):
        return _full(request, meeting)  # a replay: the item is gone already
    item = _item(meeting, item_id)
    services.remove_item(meeting=meeting, item=item, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.put(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/notes",
    response=MeetingOut,
    operation_id="save_item_notes",
    openapi_extra=IDEMPOTENT,
)
def save_item_notes(request, org: str, meeting_id: int, item_id: int, payload: ItemNotesIn):
    """Secretary or facilitator: the notes of an agenda item (they go into the minutes)."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    _once(request, lambda: services.save_notes(item=item, notes=payload.notes, by=request.user))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/attendance",
    response=MeetingOut,
    operation_id="mark_attendance",
    openapi_extra=IDEMPOTENT,
)
def mark_attendance(request, org: str, meeting_id: int, payload: AttendanceIn):
    """Secretary or facilitator: mark a member present or gone (someone in the
    room without a device)."""
    meeting = _meeting(request, org, meeting_id)
    member = _org_person(meeting.circle.organization, payload.member, "member")
    _once(
        request,
        lambda: services.mark_attendance(
            meeting=meeting, user=member, present=payload.present, by=request.user
        ),
    )
    return _full(request, meeting)


# The room ------------------------------------------------------------------------------


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/join",
    response=MeetingOut,
    operation_id="join_meeting",
    openapi_extra=IDEMPOTENT,
)
def join_meeting(request, org: str, meeting_id: int):
    """Enter the room of an open meeting: a member of the circle is then
    present (as on opening the room's page); anyone else only watches.
    Joining twice changes nothing (one open attendance per person)."""
    meeting = _meeting(request, org, meeting_id)
    _once(request, lambda: services.join(meeting=meeting, user=request.user))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/open",
    response=MeetingOut,
    operation_id="open_meeting",
    openapi_extra=IDEMPOTENT,
)
def open_meeting(request, org: str, meeting_id: int):
    """Facilitator: open the meeting (its first item becomes current)."""
    meeting = _meeting(request, org, meeting_id)
    services.open_meeting(meeting=meeting, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/current-item",
    response=MeetingOut,
    operation_id="set_current_item",
    openapi_extra=IDEMPOTENT,
)
def set_current_item(request, org: str, meeting_id: int, payload: CurrentItemIn):
    """Facilitator: move to an agenda item (the one left is marked done)."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, payload.item)
    services.set_current_item(meeting=meeting, item=item, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/timer",
    response=MeetingOut,
    operation_id="set_timer",
    openapi_extra=IDEMPOTENT,
)
def set_timer(request, org: str, meeting_id: int, payload: TimerIn):
    """Facilitator: a timer everyone sees, 0 (none) to 10,800 seconds."""
    meeting = _meeting(request, org, meeting_id)
    _once(
        request,
        lambda: services.set_timer(meeting=meeting, seconds=payload.seconds, by=request.user),
    )
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/reschedule",
    response=MeetingOut,
    operation_id="reschedule_meeting",
    openapi_extra=IDEMPOTENT,
)
def reschedule_meeting(request, org: str, meeting_id: int, payload: RescheduleIn):
    """Facilitator: move a scheduled meeting to another start; its members get
    the update by email (same calendar UID, SEQUENCE one more)."""
    meeting = _meeting(request, org, meeting_id)
    services.reschedule_meeting(
        meeting=meeting, scheduled_start=payload.scheduled_start, by=request.user, key=_key(request)
    )
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/cancel",
    response=MeetingOut,
    operation_id="cancel_meeting",
    openapi_extra=IDEMPOTENT,
)
def cancel_meeting(request, org: str, meeting_id: int):
    """Facilitator: cancel a scheduled meeting (kept, state cancelled); its
    members get the cancellation (METHOD:CANCEL)."""
    meeting = _meeting(request, org, meeting_id)
    services.cancel_meeting(meeting=meeting, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/close",
    response=MeetingOut,
    operation_id="close_meeting",
    openapi_extra=IDEMPOTENT,
)
def close_meeting(request, org: str, meeting_id: int, payload: CloseMeetingIn):
    """Facilitator: close the meeting; its minutes (attendance, each item's
    outcome and notes, the general notes) become a decision in the log."""
    meeting = _meeting(request, org, meeting_id)
    services.close_meeting(meeting=meeting, by=request.user, notes=payload.notes, key=_key(request))
    return _full(request, meeting)


# The frame's rounds ------------------------------------------------------------------


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/round/start",
    response=MeetingOut,
    operation_id="start_frame_round",
    openapi_extra=IDEMPOTENT,
)
def start_frame_round(request, org: str, meeting_id: int, item_id: int):
    """Facilitator: start the round of the current frame item (opening,
    consent to the agenda or to the previous minutes, closing): in turn, in
    the seat order of the members present."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    frame.start_round(meeting=meeting, item=item, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/round/answer",
    response=MeetingOut,
    operation_id="answer_frame_round",
    openapi_extra=IDEMPOTENT,
)
def answer_frame_round(request, org: str, meeting_id: int, item_id: int, payload: FrameAnswerIn):
    """A member present answers in turn: a reaction (words optional) or a
    pass in an opening or closing round, a consent or an objection (with
    its reason) in a consent round; 409 out of turn or answered already.
    The secretary or facilitator may answer for a member present (``member``)."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    member = _org_person(meeting.circle.organization, payload.member, "member") or request.user
    frame.answer(
        meeting=meeting,
        item=item,
        member=member,
        kind=payload.kind,
        text=payload.text,
        by=request.user,
        key=_key(request),
    )
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/round/skip",
    response=MeetingOut,
    operation_id="skip_frame_speaker",
    openapi_extra=IDEMPOTENT,
)
def skip_frame_speaker(request, org: str, meeting_id: int, item_id: int):
    """Facilitator: move the frame item's round on past the current speaker."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    frame.skip_speaker(meeting=meeting, item=item, by=request.user, key=_key(request))
    return _full(request, meeting)


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/items/{item_id}/round/close",
    response=MeetingOut,
    operation_id="close_frame_round",
    openapi_extra=IDEMPOTENT,
)
def close_frame_round(request, org: str, meeting_id: int, item_id: int):
    """Facilitator: close the frame item's round. After an objection to the
    agenda, amend it (move, remove, add an item) and start the round again."""
    meeting = _meeting(request, org, meeting_id)
    item = _item(meeting, item_id)
    frame.close_round(meeting=meeting, item=item, by=request.user, key=_key(request))
    return _full(request, meeting)


# Meeting templates ----------------------------------------------------------------------


def _template_out(circle, template: MeetingTemplate | None) -> dict:
    if template is None:
        return {
            "id": None,
            "circle": circle.slug,
            "name": str(frame.BUILT_IN_NAME),
            "built_in": True,
            "items": frame.built_in_items(),
        }
    return {
        "id": template.pk,
        "circle": circle.slug,
        "name": template.name,
        "built_in": False,
        "items": template.items,
    }


def _circle(request, org, circle):
    organization = _organization(request, org)
    found = circle_selectors.circle_or_none(organization, circle)
    if found is None:
        raise NotFound(_("This organization has no such circle."))
    return found


@router.get(
    "/orgs/{org}/circles/{circle}/meeting-templates",
    response=list[MeetingTemplateOut],
    operation_id="list_meeting_templates",
)
def list_meeting_templates(request, org: str, circle: str):
    """The circle's meeting templates: the built-in sociocratic frame first
    (``id`` null; schedule with ``template: "frame"``), then its own."""
    found = _circle(request, org, circle)
    return [_template_out(found, None)] + [
        _template_out(found, t) for t in frame.templates_of(found)
    ]


@router.post(
    "/orgs/{org}/circles/{circle}/meeting-templates",
    response={201: MeetingTemplateOut},
    operation_id="create_meeting_template",
    openapi_extra=IDEMPOTENT,
)
def create_meeting_template(request, org: str, circle: str, payload: MeetingTemplateIn):
    """The circle's facilitator or leader: a template from its items (frame
    rounds, reports, other items, each with a title); 409 for a name taken."""
    found = _circle(request, org, circle)
    template = frame.create_template(
        circle=found,
        name=payload.name,
        items=[i.model_dump() for i in payload.items],
        by=request.user,
        key=_key(request),
    )
    if template is None:  # a replay: the template made the first time
        template = frame.templates_of(found).filter(name=payload.name.strip()).first()
        if template is None:
            raise NotFound(_("Not found."))
    return Status(201, _template_out(found, template))


@router.post(
    "/orgs/{org}/meetings/{meeting_id}/template",
    response={201: MeetingTemplateOut},
    operation_id="save_meeting_template",
    openapi_extra=IDEMPOTENT,
)
def save_meeting_template(request, org: str, meeting_id: int, payload: SaveTemplateIn):
    """The circle's facilitator or leader: save the meeting's frame (its
    rounds, reports and other items, in order) as a template of its circle."""
    meeting = _meeting(request, org, meeting_id)
    template = frame.save_template(
        meeting=meeting, name=payload.name, by=request.user, key=_key(request)
    )
    if template is None:
        template = frame.templates_of(meeting.circle).filter(name=payload.name.strip()).first()
        if template is None:
            raise NotFound(_("Not found."))
    return Status(201, _template_out(meeting.circle, template))


@router.delete(
    "/orgs/{org}/circles/{circle}/meeting-templates/{template_id}",
    response={204: None},
    operation_id="delete_meeting_template",
    openapi_extra=IDEMPOTENT,
)
def delete_meeting_template(request, org: str, circle: str, template_id: int):
    """The circle's facilitator or leader: delete one of its templates (the
    meetings scheduled from it keep their agendas)."""
    found = _circle(request, org, circle)
    template = frame.templates_of(found).filter(pk=template_id).first()
    if template is None:
        if used_before(key=_key(request), user=request.user):
            return Status(204, None)
        raise NotFound(_("This circle has no such meeting template."))
    _once(request, lambda: frame.delete_template(template=template, by=request.user))
    return Status(204, None)
