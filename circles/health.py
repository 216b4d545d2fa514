"""Double-link health: how each child circle is linked to its parent.

A circle with a parent is linked by two people: its leader (appointed by the
parent) and its delegate (selected by the circle). Both must be different
people, both must be members of both circles, neither term may have run out,
and the parent circle must have accepted the delegate.
"""

from collections import defaultdict
from datetime import date

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circles import relays, rules, selectors
from circles.models import Circle, Membership, RoleAssignment


class Health(TextChoices):
    COMPLETE = "complete", _("Double link complete")
    MISSING_LEADER = "missing_leader", _("No leader")
    MISSING_DELEGATE = "missing_delegate", _("No delegate")
    SAME_PERSON = "same_person", _("Leader and delegate are the same person")
    TERM_EXPIRED = "term_expired", _("A term has expired")
    NOT_MEMBER_OF_BOTH = "not_member_of_both", _("A link is not a member of both circles")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("The parent has not accepted the delegate yet")
    RELAYS_WAITING = "relays_waiting", _("Decisions waiting to be relayed")


def _accepted(delegate, today) -> bool:
    """The parent circle recorded its acceptance of the delegate (by ``today``
    when the health is read for a past day)."""
    acceptance = delegate.parent_acceptance
    if acceptance is None:
        return False
    return today is None or timezone.localdate(acceptance.decided_at) <= today


def _with_relays(health: Health, overdue: int) -> Health:
    """A link complete in its people but letting decisions wait too long
    (``RELAY_WAIT_DAYS``) is not healthy either; its people come first."""
    if health == Health.COMPLETE and overdue:
        return Health.RELAYS_WAITING
    return health


def _health(circle_id, parent_id, leader, delegate, members, at=None) -> Health:
    if leader is None:
        return Health.MISSING_LEADER
    if delegate is None:
        return Health.MISSING_DELEGATE
    if rules.same_person(leader.user_id, delegate.user_id):
        return Health.SAME_PERSON
    today = at or timezone.localdate()
    if leader.term_end < today or delegate.term_end < today:
        return Health.TERM_EXPIRED
    for link in (leader, delegate):
        if not rules.member_of_both(link.user_id, circle_id, parent_id, members):
            return Health.NOT_MEMBER_OF_BOTH
    if not _accepted(delegate, at):
        return Health.AWAITING_ACCEPTANCE
    return Health.COMPLETE


def health_by_circle(organization, at: date | None = None) -> dict[int, Health]:
    """The health of every open circle with a parent, in three queries; as it
    was on the day ``at`` when given (the history is kept)."""
    circles = list(selectors.open_circles(organization, at).values_list("id", "parent_id"))
    links: dict[int, dict[str, RoleAssignment]] = defaultdict(dict)
    for assignment in (
        selectors.assignments_on(
            RoleAssignment.objects.filter(
                role__circle__organization=organization, role__kind__in=rules.LINK_KINDS
            ),
            at,
        )
        .select_related("role", "parent_acceptance")
        .order_by("term_start")
    ):
        links[assignment.role.circle_id][assignment.role.kind] = assignment
    members = set(
        selectors.memberships_on(
            Membership.objects.filter(circle__organization=organization), at
        ).values_list("circle_id", "user_id")
    )
    # The ledger keeps no history: a past day's picture shows its people only.
    overdue = relays.overdue_by_link(organization) if at is None else {}
    return {
        cid: _with_relays(
            _health(cid, pid, links[cid].get("leader"), links[cid].get("delegate"), members, at),
            overdue.get(cid, 0),
        )
        for cid, pid in circles
        if pid is not None
    }


def double_link_health(circle) -> Health | None:
    """The health of ``circle``'s link to its parent; None for the root circle."""
    if circle.parent_id is None:
        return None
    current = {
        a.role.kind: a
        for a in RoleAssignment.objects.filter(
            role__circle=circle,
            role__kind__in=rules.LINK_KINDS,
            ended__isnull=True,
        )
        .select_related("role", "parent_acceptance")
        .order_by("term_start")
    }
    members = set(
        Membership.objects.filter(
            circle_id__in=[circle.pk, circle.parent_id], left__isnull=True
        ).values_list("circle_id", "user_id")
    )
    return _with_relays(
        _health(
            circle.pk, circle.parent_id, current.get("leader"), current.get("delegate"), members
        ),
        relays.overdue_count(circle),
    )


def circle_tree(
    organization, *, include_dissolved: bool = False, at: date | None = None
) -> list[dict]:
    """The circle tree as nested ``{"circle", "health", "children"}`` dicts, from
    the root, children by name; two queries for circles plus three for health.
    With ``at``, the tree and its health as they were on that day."""
    health = health_by_circle(organization, at)
    overdue = relays.overdue_by_link(organization) if at is None else {}
    if at is not None:
        circles = list(selectors.open_circles(organization, at).order_by("name"))
    else:
        circles = list(selectors.circles_of(organization, include_dissolved=include_dissolved))
    by_parent: dict[int | None, list[Circle]] = {}
    for c in circles:
        by_parent.setdefault(c.parent_id, []).append(c)
    ids = {c.pk for c in circles}

    def build(c: Circle, depth: int) -> dict:
        return {
            "circle": c,
            "health": health.get(c.pk),
            "relays_waiting": overdue.get(c.pk, 0),
            "depth": depth,
            "children": [build(child, depth + 1) for child in by_parent.get(c.pk, [])],
        }

    # Roots: the organization's root circle, and (defensively) any circle whose
    # parent is not shown, so nothing disappears from the picture.
    roots = [c for c in circles if c.parent_id is None or c.parent_id not in ids]
    roots.sort(key=lambda c: (c.parent_id is not None, c.name))
    return [build(c, 0) for c in roots]
