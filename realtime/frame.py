"""The meeting's frame: its own rounds (check-in, consent to the agenda and
to the previous minutes, the closing round) and the templates that lay it out.

A frame item is an agenda item whose process is the meeting itself: its
rounds are rounds of the one engine, ``proposals.rounds``, with the agenda
item as their subject (in turn, in the seat order of the members present).
Opening and closing rounds are reactions where one may pass or say nothing;
the two consent rounds take a consent or an objection with its reason. An
objection to the agenda lets the facilitator amend it (move, drop, add an
item) and run the round again.

Every service is one transaction with the meeting row locked (``services._lock``);
after commit ``core.events.changed(meeting, part="item")`` pushes the room's
current item and minutes.

Templates: the built-in "Sociocratic frame" (:data:`BUILT_IN`) is the default
of the schedule form; a circle saves its own (``MeetingTemplate``: a name and
its items, validated by :class:`TemplateItem`) from a meeting's agenda.
"""

from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from accounts.records import person
from circles import selectors as circle_selectors
from core.errors import Conflict, Invalid, NotAllowed
from core.events import changed
from core.idempotency import first_time
from proposals import rounds
from proposals.models import Response, Round
from realtime.models import FRAME_KINDS, AgendaItem, Meeting, MeetingTemplate

#: The kind of round each frame item runs.
ROUND_KIND = {
    "opening": Round.Kind.REACTION,
    "closing": Round.Kind.REACTION,
    "agenda_consent": Round.Kind.CONSENT,
    "minutes_consent": Round.Kind.CONSENT,
}
CONSENT_KINDS = ("agenda_consent", "minutes_consent")

#: The key of the built-in template (the schedule form's and the API's ``template``).
BUILT_IN_KEY = "frame"
#: No template: the meeting starts with an empty agenda.
NONE_KEY = "none"
BUILT_IN_NAME = gettext_lazy("Sociocratic frame")

#: The built-in frame: its titles are translated when a meeting is scheduled.
BUILT_IN = (
    ("opening", gettext_lazy("Opening round (check-in)")),
    ("agenda_consent", gettext_lazy("Consent to the agenda")),
    ("minutes_consent", gettext_lazy("Consent to the minutes of last time")),
    ("closing", gettext_lazy("Closing round (evaluation)")),
)

MAX_TEMPLATE_ITEMS = 30
TemplateKind = Literal["opening", "agenda_consent", "minutes_consent", "closing", "report", "other"]


class TemplateItem(BaseModel):
    """One item of a meeting template: a frame round, a report or another item."""

    model_config = ConfigDict(extra="forbid")

    kind: TemplateKind
    title: str = Field(min_length=1, max_length=200)


_ITEMS = TypeAdapter(list[TemplateItem])


def validate_items(items) -> list[dict]:
    """The items of a template, checked against :class:`TemplateItem`: a list
    of at most ``MAX_TEMPLATE_ITEMS`` ``{"kind", "title"}`` (titles trimmed)."""
    if isinstance(items, list):
        items = [
            {**i, "title": i["title"].strip()}
            if isinstance(i, dict) and isinstance(i.get("title"), str)
            else i
            for i in items
        ]
    try:
        checked = _ITEMS.validate_python(items)
    except ValidationError:
        raise Invalid(
            _("A template's items are a list of a kind and a title each."), field="items"
        ) from None
    if not checked:
        raise Invalid(_("A template needs at least one item."), field="items")
    if len(checked) > MAX_TEMPLATE_ITEMS:
        raise Invalid(
            _("A template has at most %(n)d items.") % {"n": MAX_TEMPLATE_ITEMS}, field="items"
        )
    return [i.model_dump() for i in checked]


def built_in_items() -> list[dict]:
    return [{"kind": kind, "title": str(title)} for kind, title in BUILT_IN]


def templates_of(circle):
    return MeetingTemplate.objects.filter(circle=circle).order_by("name")


def template_choices(circle) -> list[tuple[str, str]]:
    """The schedule form's choices: the built-in frame, the circle's own, none."""
    return [
        (BUILT_IN_KEY, str(BUILT_IN_NAME)),
        *((str(t.pk), t.name) for t in templates_of(circle)),
        (NONE_KEY, _("No template (an empty agenda)")),
    ]


def template_items(circle, choice) -> list[dict]:
    """The items of the template ``choice`` names for ``circle``: the built-in
    frame (``"frame"``), none (``"none"``, None or ""), or the id of one of the
    circle's own templates (another circle's is refused)."""
    if isinstance(choice, MeetingTemplate):
        if choice.circle_id != circle.pk:
            raise Invalid(_("This template belongs to another circle."), field="template")
        return list(choice.items)
    choice = str(choice or NONE_KEY).strip()
    if choice == NONE_KEY:
        return []
    if choice == BUILT_IN_KEY:
        return built_in_items()
    template = (
        MeetingTemplate.objects.filter(circle=circle, pk=int(choice)).first()
        if choice.isdigit()
        else None
    )
    if template is None:
        raise Invalid(_("This circle has no such meeting template."), field="template")
    return list(template.items)


def previous_minutes(circle, *, before=None):
    """The minutes of ``circle``'s last closed meeting (other than ``before``), or None."""
    meetings = Meeting.objects.filter(
        circle=circle, state=Meeting.State.CLOSED, minutes__isnull=False
    ).select_related("minutes")
    if before is not None and before.pk:
        meetings = meetings.exclude(pk=before.pk)
    last = meetings.order_by("-ended", "-pk").first()
    return last.minutes if last is not None else None


def lay_out(meeting, items) -> list[AgendaItem]:
    """Put a template's items on a new meeting's agenda, in order; a consent
    to the previous minutes only when the circle has previous minutes. Called
    by ``services.schedule_meeting`` inside its transaction."""
    minutes = previous_minutes(meeting.circle, before=meeting)
    made = []
    for entry in items:
        if entry["kind"] == "minutes_consent" and minutes is None:
            continue
        made.append(
            AgendaItem.objects.create(
                meeting=meeting,
                position=len(made) + 1,
                kind=entry["kind"],
                title=entry["title"][:200],
                minutes_of=minutes if entry["kind"] == "minutes_consent" else None,
            )
        )
    return made


# Templates -----------------------------------------------------------------------------


@transaction.atomic
def save_template(*, meeting, name: str, by, key=None) -> MeetingTemplate | None:
    """Save ``meeting``'s frame as a template of its circle: its frame rounds,
    reports and other items in their order, with their titles (proposals and
    selections are the meeting's own). None when ``key`` was used before."""
    from realtime import services

    meeting = services._lock(meeting)
    if not circle_selectors.can_facilitate(by, meeting.circle):
        raise NotAllowed(_("Only the circle's facilitator or leader may save its templates."))
    if not first_time(key=key, user=by):
        return None
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A template needs a name."), field="name")
    if len(name) > 100:
        raise Invalid(_("A name has at most 100 characters."), field="name")
    items = [
        {"kind": i.kind, "title": i.title}
        for i in meeting.items.order_by("position")
        if i.kind in (*FRAME_KINDS, "report", "other")
    ]
    return create_template(circle=meeting.circle, name=name, items=items, by=by)


@transaction.atomic
def create_template(*, circle, name: str, items, by, key=None) -> MeetingTemplate | None:
    """A template of ``circle`` from its items (``[{"kind", "title"}]``)."""
    if not circle_selectors.can_facilitate(by, circle):
        raise NotAllowed(_("Only the circle's facilitator or leader may save its templates."))
    if not first_time(key=key, user=by):
        return None
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A template needs a name."), field="name")
    if len(name) > 100:
        raise Invalid(_("A name has at most 100 characters."), field="name")
    if name.casefold() == str(BUILT_IN_NAME).casefold() or name.casefold() == BUILT_IN_KEY:
        raise Invalid(_("This name is the built-in template's."), field="name")
    items = validate_items(items)
    try:
        with transaction.atomic():
            return MeetingTemplate.objects.create(
                circle=circle, name=name, items=items, created_by=by
            )
    except IntegrityError:
        raise Conflict(
            _("This circle has a template of that name already."), field="name"
        ) from None


@transaction.atomic
def delete_template(*, template, by) -> None:
    if not circle_selectors.can_facilitate(by, template.circle):
        raise NotAllowed(_("Only the circle's facilitator or leader may save its templates."))
    MeetingTemplate.objects.filter(pk=template.pk).delete()


# The frame's rounds --------------------------------------------------------------------


def _current_frame_item(meeting, item) -> AgendaItem:
    if meeting.state != Meeting.State.OPEN:
        raise Conflict(_("The meeting is not open."))
    item = AgendaItem.objects.select_for_update().filter(pk=item.pk, meeting=meeting).first()
    if item is None:
        raise Invalid(_("This item is not on this meeting's agenda."), field="item")
    if not item.is_frame:
        raise Invalid(_("This item runs a proposal or a selection, not a round of the frame."))
    if meeting.current_item_id != item.pk:
        raise Conflict(_("Go to this item first: only the current item's round runs."))
    return item


@transaction.atomic
def start_round(*, meeting, item, by, key=None) -> Round:
    """The facilitator starts the current frame item's round: in turn, in the
    seat order of the members present now."""
    from realtime import selectors, services

    meeting = services._lock(meeting)
    services._require_lead(by, meeting)
    if not first_time(key=key, user=by):
        return rounds.rounds_of(item).last()
    item = _current_frame_item(meeting, item)
    round_ = rounds.open_round(
        subject=item,
        kind=ROUND_KIND[item.kind],
        participant_ids=selectors.present_ids(meeting),
        by=by,
        mode=Round.Mode.IN_TURN,
    )
    if item.kind == "agenda_consent":
        # The agenda as it stands, which this round consents to.
        agendas = dict(item.frame.get("agendas") or {})
        agendas[str(round_.pk)] = list(
            meeting.items.order_by("position").values_list("title", flat=True)
        )
        item.frame = {**item.frame, "agendas": agendas}
        item.save(update_fields=["frame"])
    changed(meeting, part="item")
    return round_


@transaction.atomic
def answer(*, meeting, item, member, kind: str, text: str = "", by, key=None) -> Response | None:
    """``member`` answers in the current frame item's round: a reaction (words
    optional) or a pass in an opening or closing round, a consent or an
    objection with its reason in a consent round. The secretary or the
    facilitator may record the answer of a member present without a device
    (``by`` is then them). None when ``key`` was used before."""
    from realtime import selectors, services

    meeting = services._lock(meeting)
    if by.pk != member.pk and not services.can_keep_minutes(by, meeting):
        raise NotAllowed(_("Only the secretary or the facilitator may answer for someone."))
    if not first_time(key=key, user=by):
        return None
    item = _current_frame_item(meeting, item)
    round_ = rounds.open_round_of(item)
    if round_ is None:
        raise Conflict(_("No round is open on this item."))
    if member.pk not in selectors.present_ids(meeting):
        raise NotAllowed(_("Only the members present take part in the round."))
    reaction = round_.kind == Round.Kind.REACTION
    if reaction:
        if kind not in (Response.Kind.REACTION, Response.Kind.PASS):
            raise Invalid(_("This answer does not belong in this round."), field="kind")
        if Response.objects.filter(round=round_, member=member, replaced__isnull=True).exists():
            raise Conflict(_("You have already answered in this round."))
    response = rounds.respond(
        round_=round_,
        member=member,
        kind=kind,
        text=text,
        recorded_by=by if by.pk != member.pk else None,
        may_pass=reaction,
        text_optional=reaction,
    )
    changed(meeting, part="item")
    return response


@transaction.atomic
def skip_speaker(*, meeting, item, by, key=None) -> Round:
    """The facilitator moves the round on past the current speaker."""
    from realtime import services

    meeting = services._lock(meeting)
    services._require_lead(by, meeting)
    item = _current_frame_item(meeting, item)
    round_ = rounds.open_round_of(item)
    if round_ is None:
        raise Conflict(_("No round is open on this item."))
    if not first_time(key=key, user=by):
        return round_
    round_ = rounds.advance(round_=round_)
    changed(meeting, part="item")
    return round_


@transaction.atomic
def close_round(*, meeting, item, by, key=None) -> Round:
    """The facilitator closes the current frame item's round. A consent round
    closed with an objection leaves the item open: the facilitator amends
    the agenda (or notes the objection to the minutes) and may run it again."""
    from realtime import services

    meeting = services._lock(meeting)
    services._require_lead(by, meeting)
    item = _current_frame_item(meeting, item)
    round_ = rounds.open_round_of(item)
    if round_ is None:
        raise Conflict(_("No round is open on this item."))
    if not first_time(key=key, user=by):
        return round_
    round_ = rounds.close_round(round_=round_)
    changed(meeting, part="item")
    return round_


# Reads: the room, the outcome, the minutes ---------------------------------------------


def round_rows(item) -> list[dict]:
    """Every round of a frame item, oldest first, with its answers as anyone
    may see them (``rounds.visible_among`` without a viewer: the frame's
    rounds are in turn, so all; a reveal round would show nothing until it
    closes) and, for the consent to the agenda, the agenda it was on."""
    all_rounds = list(rounds.rounds_of(item).order_by("opened", "pk"))
    if not all_rounds:
        return []
    responses = (
        Response.objects.filter(round__in=all_rounds, replaced__isnull=True)
        .select_related("member", "recorded_by")
        .order_by("created", "pk")
    )
    by_round: dict[int, list[Response]] = {}
    for response in responses:
        by_round.setdefault(response.round_id, []).append(response)
    agendas = (item.frame or {}).get("agendas") or {}
    rows = []
    for round_ in all_rounds:
        answers = rounds.visible_among(round_, by_round.get(round_.pk, []), None)
        answered = {r.member_id for r in by_round.get(round_.pk, [])}
        rows.append(
            {
                "round": round_,
                "answers": answers,
                "answered": len(answered & set(round_.speakers)),
                "expected": len(round_.speakers),
                "objections": [a for a in answers if a.kind == Response.Kind.OBJECT],
                "consented": round_.kind == Round.Kind.CONSENT
                and round_.closed is not None
                and bool(round_.speakers)
                and all(
                    any(a.member_id == uid and a.kind == Response.Kind.CONSENT for a in answers)
                    for uid in round_.speakers
                ),
                "agenda": agendas.get(str(round_.pk)),
            }
        )
    return rows


def consented(item, rows=None) -> bool:
    """Whether a consent item's last closed round had everyone's consent."""
    rows = round_rows(item) if rows is None else rows
    closed = [r for r in rows if r["round"].closed is not None]
    return bool(closed) and closed[-1]["consented"]


def outcome(item, *, reached: bool) -> str:
    """A frame item's outcome: consented (a consent round everyone consented
    to), noted (a round held; an objection noted), or not held."""
    if not reached and not rounds.rounds_of(item).exists():
        return AgendaItem.Outcome.SKIPPED
    if item.kind in CONSENT_KINDS and consented(item):
        return AgendaItem.Outcome.CONSENTED
    if not rounds.rounds_of(item).exists():
        return AgendaItem.Outcome.SKIPPED
    return AgendaItem.Outcome.NOTED


def record(item) -> dict:
    """What the minutes' record says of a frame item (docs/RECORDS.md):
    its rounds with who said what, the agenda each consent to the agenda
    was on, and the minutes a consent to the previous minutes was about."""
    entry = {
        "rounds": [
            {
                "kind": row["round"].kind,
                "opened": row["round"].opened.isoformat(),
                "closed": row["round"].closed.isoformat() if row["round"].closed else None,
                "consented": row["consented"],
                **({"agenda": row["agenda"]} if row["agenda"] is not None else {}),
                "answers": [
                    {
                        "member": person(a.member),
                        "kind": a.kind,
                        "text": a.text,
                        **({"recorded_by": person(a.recorded_by)} if a.recorded_by_id else {}),
                    }
                    for a in row["answers"]
                ],
            }
            for row in round_rows(item)
        ]
    }
    if item.minutes_of_id:
        minutes = item.minutes_of
        entry["minutes_of"] = {"sequence": minutes.sequence, "hash": minutes.hash}
    return entry
