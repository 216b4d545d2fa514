"""Reads of tensions: backlogs, one tension with its history, the routes."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from circles import selectors as circle_selectors
from circles.models import Circle
from tensions.models import Tension, TensionEvent


def _base() -> QuerySet[Tension]:
    return Tension.objects.select_related(
        "organization", "circle", "raised_on", "raised_by", "proposal", "election"
    )


def backlog(circle) -> QuerySet[Tension]:
    """The open tensions in ``circle``'s backlog, the oldest arrival first."""
    return _base().filter(circle=circle, state=Tension.State.OPEN).order_by("arrived", "pk")


def tensions_of(organization, *, circle=None, raised_by=None, open_only=False):
    qs = _base().filter(organization=organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    if raised_by is not None:
        qs = qs.filter(raised_by=raised_by)
    if open_only:
        qs = qs.filter(state=Tension.State.OPEN)
    return qs.order_by("-raised", "-pk")


def tension_or_none(organization, pk) -> Tension | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return _base().filter(organization=organization, pk=pk).first()


def history(tension) -> QuerySet[TensionEvent]:
    return tension.events.select_related("from_circle", "to_circle", "via_circle", "by")


def age_days(tension, now=None) -> int:
    """Whole days since it came into its current backlog."""
    return ((now or timezone.now()) - tension.arrived).days


@dataclass(frozen=True)
class Route:
    circle: Circle
    #: "parent", "child" or "sibling".
    relation: str
    #: A sibling is reached through the parent.
    via: Circle | None = None


def routes(circle) -> list[Route]:
    """Where a tension in ``circle``'s backlog may be forwarded: the parent,
    each open child, each open sibling (through the parent)."""
    found: list[Route] = []
    parent = circle.parent
    if parent is not None and parent.dissolved is None:
        found.append(Route(parent, "parent"))
    for child in circle_selectors.children_of(circle).filter(dissolved__isnull=True):
        found.append(Route(child, "child"))
    if parent is not None:
        siblings = (
            Circle.objects.filter(parent=parent, dissolved__isnull=True)
            .exclude(pk=circle.pk)
            .order_by("name")
        )
        for sibling in siblings:
            found.append(Route(sibling, "sibling", via=parent))
    return found


def route_to(circle, slug) -> Route | None:
    return next((r for r in routes(circle) if r.circle.slug == slug), None)


def raisable_circles(organization) -> QuerySet[Circle]:
    """The circles one may raise a tension on: every open circle."""
    return circle_selectors.circles_of(organization)


def open_count(circle) -> int:
    return Tension.objects.filter(circle=circle, state=Tension.State.OPEN).count()


def next_meeting(circle):
    """The circle's next scheduled meeting, or None."""
    from realtime.models import Meeting

    return (
        Meeting.objects.filter(circle=circle, state=Meeting.State.SCHEDULED)
        .order_by("scheduled_start", "pk")
        .first()
    )


def may_arrange(user, circle, meeting=None) -> bool:
    """Whether ``user`` puts a taken tension on the agenda itself: who may lead
    ``meeting`` (the circle's next scheduled one) or, with none, facilitate
    the circle. Anyone else taking it as an item proposes it for the draft."""
    from realtime import services as meeting_services

    if meeting is not None:
        return meeting_services.can_lead(user, meeting)
    return circle_selectors.can_facilitate(user, circle)
