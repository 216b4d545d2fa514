"""The double-link ledger: decisions carried across a circle's double link.

A decision of a child circle is carried up to its parent by the child's
delegate; a decision of a parent is carried down to a child by that child's
leader. A ``Relay`` waits in the receiving circle's inbox until it is presented
in one of its meetings (the minutes decision of that meeting) or acknowledged
with a reason.

- Marked automatically, in the adoption's transaction, for a child circle's
  policy that names one of its domains (``mark_policy``): the parent delegated
  those domains, so it hears of what the child decides in them.
- Marked by hand by a member of the deciding circle (``relay``), to its parent
  or to one of its open children.
- Presented or acknowledged by the carrier, or by the receiving circle's
  facilitator or leader (or an administrator).

Steps are one ``core.steps.StepTable`` (``STEPS``); the services ask it and
the pages' buttons and the API do too. A relay is bookkeeping of the link,
not a decision of a circle: it is not written to the log (the row keeps who
marked and closed it, and when).
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema

from circles import selectors
from circles.models import Circle, Relay, Role
from core import notify
from core.errors import Conflict, Invalid, NotFound
from core.idempotency import created_before, first_time, remember_created
from core.steps import Step, StepTable, Who

MAX_REASON = 5_000
S = Relay.State

# Who ---------------------------------------------------------------------------


def _decision_circle(subject):
    return getattr(subject, "circle", None)


def _member(user, subject) -> bool:
    """A member of the circle that took the decision (marking by hand)."""
    circle = _decision_circle(subject)
    return circle is not None and selectors.can_take_part(user, circle)


def carrier(relay):
    """Who carries it: the child's delegate up, the child's leader down."""
    kind = Role.Kind.DELEGATE if relay.direction == Relay.Direction.UP else Role.Kind.LEADER
    return selectors.current_holder(relay.child, kind)


def _carrier(user, relay) -> bool:
    holder = carrier(relay)
    return holder is not None and holder.pk == user.pk


def _receiver(user, relay) -> bool:
    """The receiving circle's facilitator or leader, or an administrator."""
    return selectors.can_facilitate(user, relay.target)


CARRIER = gettext_lazy("the delegate or leader who carries it")
RECEIVER = gettext_lazy("the receiving circle's facilitator or leader")

ROLES = {
    "member": Who(
        _member,
        gettext_lazy("Only a member of the circle that took the decision may relay it."),
        actors=(gettext_lazy("a member of the circle"),),
    ),
    "carrier": Who(
        _carrier,
        gettext_lazy("Only the carrier of the relay may do this."),
        actors=(CARRIER,),
    ),
    "receiver": Who(
        _receiver,
        gettext_lazy("Only the receiving circle's facilitator or leader may do this."),
        actors=(RECEIVER,),
    ),
}


# Input -------------------------------------------------------------------------


class RelayIn(Schema):
    #: The circle to carry it to: the parent or an open child (its slug).
    to: str = ""


class PresentIn(Schema):
    #: The number of the minutes (in the log) of the receiving circle's meeting.
    minutes: int | None = None


class AcknowledgeIn(Schema):
    reason: str = ""


def _relayable(decision) -> str | None:
    if decision.circle_id is None:
        return _("Only a decision of a circle can be relayed.")
    return None


STEPS = StepTable(
    subject="subject",
    # A decision (to mark) has no state of its own: it is "open" to relaying.
    state_of=lambda subject: subject.state if isinstance(subject, Relay) else "open",
    state_label=lambda subject: subject.get_state_display() if isinstance(subject, Relay) else "",
    roles=ROLES,
    steps=[
        Step(
            name="relay",
            label=gettext_lazy("Relay"),
            sources=frozenset({"open"}),
            target=S.WAITING,
            who=("member",),
            service="circles.relays.relay",
            input=RelayIn,
            guard=_relayable,
            summary="Mark a decision of a circle to be relayed to its parent or to a child.",
        ),
        Step(
            name="present",
            label=gettext_lazy("Presented"),
            sources=frozenset({S.WAITING}),
            target=S.PRESENTED,
            who=("carrier", "receiver"),
            service="circles.relays.present",
            input=PresentIn,
            summary="Record that a waiting relay was presented in a meeting of the circle.",
        ),
        Step(
            name="acknowledge",
            label=gettext_lazy("Acknowledge"),
            sources=frozenset({S.WAITING}),
            target=S.ACKNOWLEDGED,
            who=("carrier", "receiver"),
            service="circles.relays.acknowledge",
            input=AcknowledgeIn,
            summary="Close a waiting relay without a meeting, with a reason.",
        ),
    ],
)


def may(step: str, subject, user):
    return STEPS.may(step, subject, user)


# Reads ---------------------------------------------------------------------------


def targets_of(decision) -> list[Circle]:
    """Where a decision of a circle may be relayed: its parent, then its open children."""
    circle = decision.circle
    if circle is None:
        return []
    found = [circle.parent] if circle.parent_id else []
    return found + list(circle.children.filter(dissolved__isnull=True).order_by("name"))


def relays_of(decision):
    return Relay.objects.filter(decision=decision).select_related("target", "source")


def relay_choices(user, decision) -> list[dict]:
    """The "Relay to …" buttons of a decision's page: each target not relayed yet,
    when ``user`` may relay it."""
    if decision.circle_id is None or not may("relay", decision, user):
        return []
    done = set(relays_of(decision).values_list("target_id", flat=True))
    return [
        {"circle": c, "up": c.pk == decision.circle.parent_id}
        for c in targets_of(decision)
        if c.pk not in done
    ]


def inbox(circle, *, state: str | None = S.WAITING):
    """The relays a circle receives (waiting ones by default), oldest first."""
    qs = Relay.objects.filter(target=circle).select_related(
        "decision", "source", "target", "marked_by", "closed_by", "minutes", "organization"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("marked_at", "pk")


#: The draft agenda's key of a waiting relay (``circles.agenda``).
AGENDA_KEY = "circles.relay:"


def agenda_key(relay_) -> str:
    return f"{AGENDA_KEY}{relay_.pk}"


def of_agenda_key(circle, key: str) -> Relay | None:
    """The relay to ``circle`` an agenda item was added from (its
    ``source_key``), or None for any other item."""
    number = (key or "").removeprefix(AGENDA_KEY)
    if not (key or "").startswith(AGENDA_KEY) or not number.isdigit():
        return None
    return (
        Relay.objects.filter(pk=int(number), target=circle)
        .select_related("decision", "source", "target")
        .first()
    )


def relay_or_none(organization, pk) -> Relay | None:
    return (
        Relay.objects.filter(organization=organization, pk=pk)
        .select_related("decision", "source", "target", "organization")
        .first()
    )


def wait_limit(now=None):
    """A relay marked before this has waited too long (``RELAY_WAIT_DAYS``)."""
    return (now or timezone.now()) - timedelta(days=settings.RELAY_WAIT_DAYS)


def overdue_by_link(organization, now=None) -> dict[int, int]:
    """The number of relays waiting longer than ``RELAY_WAIT_DAYS``, by the child
    circle whose double link carries them (one query)."""
    counts: dict[int, int] = {}
    for direction, source_id, target_id in Relay.objects.filter(
        organization=organization, state=S.WAITING, marked_at__lt=wait_limit(now)
    ).values_list("direction", "source_id", "target_id"):
        child = source_id if direction == Relay.Direction.UP else target_id
        counts[child] = counts.get(child, 0) + 1
    return counts


def overdue_count(circle, now=None) -> int:
    """The relays ``circle``'s double link has let wait too long."""
    return overdue_by_link(circle.organization, now).get(circle.pk, 0)


def minutes_choices(circle, limit: int = 10):
    """The latest minutes of ``circle``'s meetings, to say where a relay was presented."""
    from decisions.models import Decision

    return list(
        Decision.objects.filter(circle=circle, kind=Decision.Kind.MINUTES).order_by("-sequence")[
            :limit
        ]
    )


# Services ---------------------------------------------------------------------------


def _create(*, decision, target, by, automatic: bool) -> Relay:
    circle = decision.circle
    direction = Relay.Direction.UP if target.pk == circle.parent_id else Relay.Direction.DOWN
    marked_by = by if by is not None and by.is_authenticated else None
    row = Relay.objects.create(
        organization_id=decision.organization_id,
        decision=decision,
        source=circle,
        target=target,
        direction=direction,
        automatic=automatic,
        marked_by=marked_by,
    )
    # The carrier (read by the notification job: ``notifications.kinds``) is
    # told it waits for them; nobody else is.
    notify.announce(
        "relay_waiting",
        subject=row,
        key=f"relay_waiting:{row.pk}",
        title=decision.title,
        number=decision.sequence,
        origin=circle.name,
        circle=target.name,
        # Marked by itself at an adoption: nobody's own act, the carrier is told.
        by=marked_by.pk if marked_by and not automatic else None,
    )
    return row


@transaction.atomic
def relay(*, subject, by, to: str = "", key=None) -> Relay:
    """A member of the deciding circle marks ``subject`` (a decision) to be
    carried to ``to``: its parent or one of its open children."""
    decision = subject
    earlier = created_before(key=key, user=by, model=Relay)
    if earlier is not None:
        return earlier
    STEPS.check("relay", decision, by)
    target = next((c for c in targets_of(decision) if c.slug == (to or "").strip()), None)
    if target is None:
        raise Invalid(_("Choose the parent circle or one of the circle's children."), field="to")
    if Relay.objects.filter(decision=decision, target=target).exists():
        raise Conflict(_("This decision is already relayed to %(circle)s.") % {"circle": target})
    try:
        with transaction.atomic():
            row = _create(decision=decision, target=target, by=by, automatic=False)
    except IntegrityError:
        raise Conflict(
            _("This decision is already relayed to %(circle)s.") % {"circle": target}
        ) from None
    remember_created(key=key, user=by, row=row)
    return row


def mark_policy(*, decision, by, domain: str) -> Relay | None:
    """In the adoption's transaction: a child circle's policy in one of its
    domains goes up to the parent, which delegated those domains."""
    circle = decision.circle
    if not domain or circle is None or circle.parent_id is None:
        return None
    return _create(decision=decision, target=circle.parent, by=by, automatic=True)


def _lock(relay_) -> Relay:
    try:
        return (
            Relay.objects.select_for_update(of=("self",))
            .select_related("source", "target", "organization")
            .get(pk=relay_.pk)
        )
    except Relay.DoesNotExist:
        raise NotFound(_("This relay does not exist.")) from None


def _close(row: Relay, *, by, state: str) -> Relay:
    row.state = state
    row.closed_by = by
    row.closed_at = timezone.now()
    row.save(update_fields=["state", "closed_by", "closed_at", "minutes", "reason"])
    return row


@transaction.atomic
def present(*, subject, by, minutes: int | None = None, key=None) -> Relay:
    """The carrier (or the receiving circle's facilitator or leader) records the
    meeting of the receiving circle it was presented in, by its minutes."""
    from decisions.models import Decision

    row = _lock(subject)
    if not first_time(key=key, user=by):
        return row
    STEPS.check("present", row, by)
    found = None
    if minutes is not None:
        found = Decision.objects.filter(
            organization_id=row.organization_id,
            circle=row.target,
            kind=Decision.Kind.MINUTES,
            sequence=minutes,
        ).first()
    if found is None:
        raise Invalid(
            _("Name the minutes of the %(circle)s meeting it was presented in.")
            % {"circle": row.target},
            field="minutes",
        )
    row.minutes = found
    return _close(row, by=by, state=S.PRESENTED)


def presented_in_meeting(*, relay_, minutes, by=None) -> Relay | None:
    """Closing a meeting whose agenda carried the relay: presented, with its
    minutes (in the closing transaction; no permission beyond the meeting's)."""
    row = _lock(relay_)
    if row.state != S.WAITING:
        return None
    row.minutes = minutes
    return _close(row, by=by, state=S.PRESENTED)


@transaction.atomic
def acknowledge(*, subject, by, reason: str = "", key=None) -> Relay:
    """Closed without a meeting: the carrier or the receiving circle's
    facilitator or leader says why (heard another way, not the circle's concern)."""
    row = _lock(subject)
    if not first_time(key=key, user=by):
        return row
    STEPS.check("acknowledge", row, by)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why it is acknowledged without a meeting."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid(
            _("This text has at most %(n)d characters.") % {"n": MAX_REASON}, field="reason"
        )
    row.reason = reason
    return _close(row, by=by, state=S.ACKNOWLEDGED)
