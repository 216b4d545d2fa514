"""Every change to a tension: raise, forward, take, answer, and the moving up
of a tension nobody routed in time.

Each service is one transaction: it locks the tension row (two members
routing it at once are serialised, and the second sees where the first left
it), answers 404 to anyone who may not read the organization, claims the
idempotency key, asks the step table (``tensions.steps.STEPS``), then writes
the change and its ``TensionEvent``. The person who raised the tension is
told of every step (``core.notify``, a job enqueued with the transaction).

Raising or routing a tension is no decision of the circle, so nothing here
writes to the log. Taking one as a proposal drafts a proposal through
``proposals.services`` (the decision comes when it is adopted); as a
selection, opens one through ``elections.services``; as an agenda item, adds
it to the circle's next scheduled meeting through ``realtime.services``. Those
services run inside this transaction: their refusal leaves the tension open.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from circles.models import Role
from core import notify
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from core.idempotency import created_before, first_time, remember_created
from tensions import selectors
from tensions.models import Tension, TensionEvent
from tensions.steps import STEPS, TAKE_OUTCOMES

MAX_TITLE = 200
MAX_TEXT = 10_000

A = TensionEvent.Action
S = Tension.State


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def _require_reader(by, organization) -> None:
    # An outsider learns nothing more than a 404, as for every private page.
    if not _authenticated(by) or not circle_selectors.can_read_organization(by, organization):
        raise NotFound(_("This tension does not exist."))


def _clean(text, *, field: str, limit: int = MAX_TEXT, required: str | None = None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid(required, field=field)
    if len(text) > limit:
        raise Invalid(
            _("This text has at most %(n)d characters (it has %(len)d).")
            % {"n": limit, "len": len(text)},
            field=field,
        )
    return text


def _lock(tension) -> Tension:
    try:
        return (
            Tension.objects.select_for_update(of=("self",))
            .select_related("organization", "circle", "circle__parent")
            .get(pk=tension.pk)
        )
    except Tension.DoesNotExist:
        raise NotFound(_("This tension does not exist.")) from None


def _begin(tension, by, key, step: str) -> tuple[Tension, bool]:
    """Lock, a reader only, the replay check, then the table. False: a replay."""
    tension = _lock(tension)
    _require_reader(by, tension.organization)
    if not first_time(key=key, user=by):
        return tension, False
    STEPS.check(step, tension, by)
    return tension, True


def _event(tension, action, *, by=None, **fields) -> TensionEvent:
    return TensionEvent.objects.create(
        tension=tension, action=action, by=by if _authenticated(by) else None, **fields
    )


def _tell(kind: str, tension, event: TensionEvent, **params) -> None:
    """Tell the person who raised it (never of their own act: ``by``)."""
    notify.announce(
        kind,
        subject=tension,
        key=f"{kind}:{event.pk}",
        title=tension.title,
        circle=tension.circle.name,
        by=event.by_id,
        **params,
    )


# Raise -------------------------------------------------------------------------


@transaction.atomic
def raise_tension(
    *,
    organization,
    by,
    circle=None,
    title: str,
    what_is: str,
    what_should_be: str = "",
    affected: str = "",
    key=None,
) -> Tension:
    """Any member of the organization raises a tension on one of its open
    circles, or with ``circle=None`` ("I don't know which") in the root
    circle's backlog. A retried call with the same ``key`` answers with the
    tension the first one raised."""
    _require_reader(by, organization)
    earlier = created_before(key=key, user=by, model=Tension)
    if earlier is not None:
        return earlier
    if circle is not None and circle.organization_id != organization.pk:
        raise Invalid(_("Choose a circle of this organization."), field="circle")
    STEPS.check("raise", circle if circle is not None else organization, by)
    target = circle if circle is not None else circle_selectors.root_circle(organization)
    if target is None:
        raise Conflict(_("This organization has no circle yet."))
    title = _clean(
        title, field="title", limit=MAX_TITLE, required=_("Say in a few words what it is about.")
    )
    what_is = _clean(what_is, field="what_is", required=_("Say what is, as you see it."))
    now = timezone.now()
    tension = Tension.objects.create(
        organization=organization,
        circle=target,
        raised_on=circle,
        raised_by=by,
        raised=now,
        arrived=now,
        title=title,
        what_is=what_is,
        what_should_be=_clean(what_should_be, field="what_should_be"),
        affected=_clean(affected, field="affected"),
    )
    _event(tension, A.RAISED, by=by, to_circle=target, at=now)
    remember_created(key=key, user=by, row=tension)
    return tension


# Route -------------------------------------------------------------------------


@transaction.atomic
def forward(*, tension, by, to: str, reason: str, key=None) -> Tension:
    """To the circle whose domain it is: the parent, a child, or a sibling
    (through the parent, recorded), with a reason. Its deadline starts again."""
    tension, fresh = _begin(tension, by, key, "forward")
    if not fresh:
        return tension
    route = selectors.route_to(tension.circle, to)
    if route is None:
        raise Invalid(
            _("Forward it to the parent circle, a sub-circle or a sibling circle."), field="to"
        )
    reason = _clean(reason, field="reason", required=_("Say why it belongs there."))
    origin = tension.circle
    tension.circle = route.circle
    tension.arrived = timezone.now()
    tension.save(update_fields=["circle", "arrived"])
    event = _event(
        tension,
        A.FORWARDED,
        by=by,
        from_circle=origin,
        to_circle=route.circle,
        via_circle=route.via,
        reason=reason,
        at=tension.arrived,
    )
    _tell("tension_forwarded", tension, event, reason=reason, origin=origin.name)
    return tension


def _close(tension, *, state, outcome, by, **links) -> TensionEvent:
    now = timezone.now()
    tension.state = state
    tension.outcome = outcome
    tension.closed = now
    for name, value in links.items():
        setattr(tension, name, value)
    tension.save(update_fields=["state", "outcome", "closed", *links])
    action = A.TAKEN if state == S.TAKEN else A.ANSWERED
    return _event(tension, action, by=by, from_circle=tension.circle, outcome=outcome, at=now)


def proposal_text(tension) -> str:
    """The draft proposal's text, prefilled from the tension (Markdown)."""
    parts = [f"**{_('What is')}:** {tension.what_is}"]
    if tension.what_should_be:
        parts.append(f"**{_('What should be')}:** {tension.what_should_be}")
    if tension.affected:
        parts.append(f"**{_('Who is affected')}:** {tension.affected}")
    return "\n\n".join(parts)


@transaction.atomic
def take(
    *, tension, by, outcome: str, title: str = "", role: int | None = None, key=None
) -> Tension:
    """A member of the circle takes it up: as a draft proposal of the circle
    (title and text from the tension), a selection for one of its roles (who
    may open one: the facilitator, the leader, an administrator), or an item
    for its next meeting: put on the next scheduled meeting's agenda by whoever
    may arrange it (``realtime.services.can_lead``), proposed on the next
    meeting's draft agenda for anyone else (``tensions.agenda``), where the
    facilitator adds or drops it as any due item."""
    # The engines it hands over to sit beside it; imported here so that a
    # reader of this module sees the floors: tensions is above them all.
    from elections import services as election_services
    from proposals import services as proposal_services
    from realtime import services as meeting_services

    tension, fresh = _begin(tension, by, key, "take")
    if not fresh:
        return tension
    if outcome not in [o.value for o in TAKE_OUTCOMES]:
        raise Invalid(_("Choose what it becomes."), field="outcome")
    circle = tension.circle
    if outcome == Tension.Outcome.PROPOSAL:
        proposal = proposal_services.create_proposal(
            circle=circle,
            by=by,
            title=_clean(title, field="title", limit=MAX_TITLE) or tension.title,
            body=proposal_text(tension),
        )
        links = {"proposal": proposal}
    elif outcome == Tension.Outcome.SELECTION:
        if not circle_selectors.can_facilitate(by, circle):
            raise NotAllowed(
                _(
                    "Only the circle's facilitator or leader may open a selection: take it "
                    "as an item for the next meeting to propose one."
                )
            )
        found = Role.objects.filter(pk=role, circle=circle).first() if role else None
        if found is None:
            raise Invalid(_("Choose a role of the circle to select for."), field="role")
        links = {"election": election_services.open_election(role=found, by=by)}
    else:
        meeting = selectors.next_meeting(circle)
        if selectors.may_arrange(by, circle, meeting):
            if meeting is None:
                raise Conflict(_("No meeting of this circle is scheduled: schedule one first."))
            item = meeting_services.add_item(
                meeting=meeting, kind="other", title=tension.title, by=by
            )
            links = {"agenda_item": item}
        else:
            # Proposed for the next meeting's draft agenda (tensions.agenda).
            links = {}
    event = _close(tension, state=S.TAKEN, outcome=outcome, by=by, **links)
    _tell("tension_taken", tension, event)
    return tension


@transaction.atomic
def answer(*, tension, by, text: str, key=None) -> Tension:
    """A member of the circle answers it with a text; it closes."""
    tension, fresh = _begin(tension, by, key, "answer")
    if not fresh:
        return tension
    text = _clean(text, field="text", required=_("Write the answer."))
    event = _close(tension, state=S.ANSWERED, outcome=Tension.Outcome.ANSWER, by=by, answer=text)
    _tell("tension_answered", tension, event)
    return tension


# The routing deadline -------------------------------------------------------------


def _open_parent(circle):
    """The nearest open circle above ``circle`` (None at the root)."""
    parent = circle.parent
    while parent is not None and parent.dissolved is not None:
        parent = parent.parent
    return parent


def escalate_unrouted(*, now: datetime | None = None) -> int:
    """Move each open tension that nobody took or forwarded for
    ``TENSION_ROUTE_DAYS`` up to the parent circle's backlog (event
    "escalated"); at the root it stays. Returns how many moved. Each tension
    is its own transaction, re-checked under its lock (a member may route it
    meanwhile); run again, it moves nothing twice."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.TENSION_ROUTE_DAYS)
    due = Tension.objects.filter(
        state=S.OPEN, arrived__lt=limit, circle__parent__isnull=False
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(due):
        with transaction.atomic():
            tension = _lock(Tension(pk=pk))
            if tension.state != S.OPEN or tension.arrived >= limit:
                continue
            parent = _open_parent(tension.circle)
            if parent is None:
                continue
            origin = tension.circle
            tension.circle = parent
            tension.arrived = now
            tension.save(update_fields=["circle", "arrived"])
            event = _event(tension, A.ESCALATED, from_circle=origin, to_circle=parent, at=now)
            _tell(
                "tension_escalated",
                tension,
                event,
                origin=origin.name,
                days=settings.TENSION_ROUTE_DAYS,
            )
            moved += 1
    return moved
