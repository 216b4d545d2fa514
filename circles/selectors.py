"""Reads about organizations and circles, and who is what (member, leader,
admin). Who may take a structure action is declared in ``circles.rules`` from
these predicates; no permission rule lives in a view or a template. Who may
see or do what:

- anonymous: a public organization's log and org chart, nothing else;
- organization member: every circle of the organization and its log;
- circle member: proposes, answers rounds, nominates, objects in that circle;
- a circle's leader and the organization's admins manage its structure.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, Prefetch, Q, QuerySet
from django.utils import timezone

from circles.models import (
    Circle,
    Membership,
    Organization,
    OrganizationMember,
    Role,
    RoleAssignment,
)
from core.queries import one_or_none


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


# Organization-level --------------------------------------------------------


def organizations_for(user) -> QuerySet[Organization]:
    if not _authenticated(user):
        return Organization.objects.none()
    return Organization.objects.filter(members__user=user, members__left__isnull=True).order_by(
        "name"
    )


def org_membership(user, organization) -> OrganizationMember | None:
    if not _authenticated(user):
        return None
    return OrganizationMember.objects.filter(
        organization=organization, user=user, left__isnull=True
    ).first()


def is_org_member(user, organization) -> bool:
    return org_membership(user, organization) is not None


def is_org_admin(user, organization) -> bool:
    member = org_membership(user, organization)
    return member is not None and member.is_admin


def can_read_organization(user, organization) -> bool:
    """Circles, members and roles: members of the organization only."""
    return is_org_member(user, organization)


def can_read_log(user, organization) -> bool:
    """The decision log (pages, search, exports, feeds) and the org chart."""
    return organization.public_log or is_org_member(user, organization)


def read_in(queryset: QuerySet, user, slug: str, *, path: str = "circle__organization") -> QuerySet:
    """The rows of ``queryset`` in the organization ``slug`` that ``user`` may
    read (``can_read_organization``: a current member), asked in the rows' own
    statement: a page or an action reads its subject and checks the reader
    in one query. ``path`` leads from a row to its organization.

    The membership is an inner join (cheaper than an ``EXISTS``): a person
    holds at most one current membership of an organization (a unique
    constraint), so the join never repeats a row."""
    if not _authenticated(user):
        return queryset.none()
    return queryset.filter(
        **{
            f"{path}__slug": slug,
            f"{path}__members__user": user,
            f"{path}__members__left__isnull": True,
        }
    )


def readable_organization_or_none(user, slug: str) -> Organization | None:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not can_read_organization(user, organization):
        return None
    return organization


def org_members(organization) -> QuerySet[OrganizationMember]:
    return (
        OrganizationMember.objects.filter(organization=organization, left__isnull=True)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


# Circle-level ----------------------------------------------------------------


def root_circle(organization) -> Circle | None:
    return Circle.objects.filter(organization=organization, parent__isnull=True).first()


def circles_of(organization, *, include_dissolved: bool = False) -> QuerySet[Circle]:
    qs = Circle.objects.filter(organization=organization)
    if not include_dissolved:
        qs = qs.filter(dissolved__isnull=True)
    return qs.order_by("name")


def descendant_ids(circle) -> set[int]:
    """Ids of every circle below ``circle`` (not itself), any depth."""
    by_parent: dict[int, list[int]] = {}
    for cid, pid in Circle.objects.filter(organization_id=circle.organization_id).values_list(
        "id", "parent_id"
    ):
        by_parent.setdefault(pid, []).append(cid)
    found: set[int] = set()
    stack = list(by_parent.get(circle.pk, []))
    while stack:
        cid = stack.pop()
        if cid not in found:
            found.add(cid)
            stack.extend(by_parent.get(cid, []))
    return found


def ancestors(circle) -> list[Circle]:
    """From the root down to the parent of ``circle``."""
    chain = []
    current = circle.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def current_members(circle) -> QuerySet:
    """The users with an open membership of ``circle``, by name."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(circle_memberships__circle=circle, circle_memberships__left__isnull=True)
        .order_by("display_name", "email")
    )


def seat_order(circle, *, among=None) -> list[int]:
    """The circle's current members in the order they sit around the circle:
    by name. The one definition of that order: rounds go around it, and a
    meeting seats the members present in it (``among``: a condition on the
    user, such as an ``Exists`` of their attendance, kept in the same query)."""
    members = current_members(circle)
    if among is not None:
        members = members.filter(among)
    return list(members.values_list("pk", flat=True))


def participants_of(subject) -> list[int]:
    """Who takes part in a process's rounds now (a proposal, an election), in
    seat order: the members present when an open meeting runs it (the session
    port, ``core.participation``), else the circle's current members."""
    from core.participation import participants_override

    present = participants_override(subject)
    return present if present is not None else seat_order(subject.circle)


def _membership(user, circle) -> QuerySet[Membership]:
    """``user``'s current membership of ``circle`` (a row or none)."""
    return Membership.objects.filter(circle_id=circle.pk, user_id=user.pk, left__isnull=True)


def is_circle_member(user, circle) -> bool:
    if not _authenticated(user):
        return False
    return _membership(user, circle).exists()


def memberships(circle, *, current: bool = True) -> QuerySet[Membership]:
    qs = Membership.objects.filter(circle=circle).select_related("user")
    qs = qs.filter(left__isnull=True) if current else qs.filter(left__isnull=False)
    return qs.order_by("user__display_name", "user__email", "-joined")


def role(circle, kind: str) -> Role | None:
    return Role.objects.filter(circle=circle, kind=kind).first()


def current_assignments(role_obj) -> QuerySet[RoleAssignment]:
    return role_obj.assignments.filter(ended__isnull=True).select_related("user")


def current_holder(circle, kind: str):
    """The user currently holding a process role of ``circle``, or None."""
    assignment = (
        RoleAssignment.objects.filter(role__circle=circle, role__kind=kind, ended__isnull=True)
        .select_related("user")
        .order_by("-term_start")
        .first()
    )
    return assignment.user if assignment else None


def holds_role(user, circle, kind: str) -> bool:
    if not _authenticated(user):
        return False
    return RoleAssignment.objects.filter(
        role__circle=circle, role__kind=kind, user=user, ended__isnull=True
    ).exists()


def roles_with_holders(circle) -> QuerySet[Role]:
    return (
        Role.objects.filter(circle=circle)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=RoleAssignment.objects.filter(ended__isnull=True).select_related("user"),
                to_attr="current",
            )
        )
        .order_by("kind", "name")
    )


# Who may act -----------------------------------------------------------------


def can_manage_circle(user, circle) -> bool:
    """Members, custom roles, aim and domain: the circle's leader or an admin."""
    return is_org_admin(user, circle.organization) or holds_role(user, circle, Role.Kind.LEADER)


def can_manage_children(user, circle) -> bool:
    """Create, rename or dissolve a sub-circle; appoint its leader; accept its
    delegate: the parent circle's leader or an organization admin."""
    return can_manage_circle(user, circle)


def can_facilitate(user, circle) -> bool:
    """Lead a process outside a meeting: the circle's facilitator or leader, or an admin.

    One query: a current assignment of either role, or a current admin
    membership of the circle's organization, asked as one ``EXISTS ... OR
    EXISTS`` (a plain member's step asks it on every action).
    """
    if not _authenticated(user):
        return False
    holds, admin = _facilitation(user, circle)
    return Circle.objects.filter(pk=circle.pk).filter(Exists(holds) | Exists(admin)).exists()


def _facilitation(user, circle) -> tuple[QuerySet, QuerySet]:
    """What makes ``user`` facilitate ``circle`` (``can_facilitate``): a
    current assignment of its facilitator or leader role, or a current admin
    membership of its organization."""
    holds = RoleAssignment.objects.filter(
        role__circle_id=circle.pk,
        role__kind__in=(Role.Kind.FACILITATOR, Role.Kind.LEADER),
        user_id=user.pk,
        ended__isnull=True,
    )
    admin = OrganizationMember.objects.filter(
        organization_id=circle.organization_id, user_id=user.pk, left__isnull=True, is_admin=True
    )
    return holds, admin


@dataclass(frozen=True)
class Standing:
    """Where a person stands in a circle, read together (``standing``)."""

    #: A current member (``is_circle_member``).
    member: bool
    #: May lead its processes outside a meeting (``can_facilitate``).
    facilitates: bool
    #: May propose, answer, nominate and object (``can_take_part``).
    takes_part: bool


def standing(user, circle) -> Standing:
    """``is_circle_member``, ``can_facilitate`` and ``can_take_part`` of
    ``user`` in ``circle``, asked in one query (a step table asks them all
    for a person's buttons)."""
    if not _authenticated(user):
        return Standing(member=False, facilitates=False, takes_part=False)
    holds, admin = _facilitation(user, circle)
    row = one_or_none(
        Circle.objects.filter(pk=circle.pk)
        .annotate(
            member=Exists(_membership(user, circle)), holds=Exists(holds), admin=Exists(admin)
        )
        .values_list("member", "holds", "admin")
    )
    if row is None:
        return Standing(member=False, facilitates=False, takes_part=False)
    member, holds_role, is_admin = row
    return Standing(
        member=bool(member),
        facilitates=bool(holds_role or is_admin),
        takes_part=_open(circle) and bool(member),
    )


def can_take_part(user, circle) -> bool:
    """Propose, answer rounds, nominate, object: current circle members."""
    return _open(circle) and is_circle_member(user, circle)


def _open(circle) -> bool:
    """Whether members may still take part in the circle's processes: not
    once it is dissolved."""
    return circle.dissolved is None


# Terms -----------------------------------------------------------------------


def terms_ending(organization, *, within_days: int = 60, circle=None) -> QuerySet[RoleAssignment]:
    """Current assignments whose term ends within ``within_days`` (or is past)."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    qs = RoleAssignment.objects.filter(
        role__circle__organization=organization,
        role__circle__dissolved__isnull=True,
        ended__isnull=True,
        term_end__lte=horizon,
    )
    if circle is not None:
        qs = qs.filter(role__circle=circle)
    return qs.select_related("role", "role__circle", "user").order_by("term_end")


def person_circles(user, organization=None) -> QuerySet[Membership]:
    qs = Membership.objects.filter(user=user).select_related("circle", "circle__organization")
    if organization is not None:
        qs = qs.filter(circle__organization=organization)
    return qs.order_by("left", "circle__name")


def person_roles(user, organization=None) -> QuerySet[RoleAssignment]:
    qs = RoleAssignment.objects.filter(user=user).select_related("role", "role__circle")
    if organization is not None:
        qs = qs.filter(role__circle__organization=organization)
    return qs.order_by("ended", "-term_start")


def today() -> date:
    return timezone.localdate()


# Pages -------------------------------------------------------------------------


def circle_or_none(organization, slug: str) -> Circle | None:
    return (
        Circle.objects.filter(organization=organization, slug=slug)
        .select_related("organization", "parent")
        .first()
    )


def domains_of(circle) -> list[str]:
    """The circle's domains, in order (its ``domains`` list).

    The one place that reads how a circle keeps its domains (policies and
    relays ask it), so a change of that shape changes only this function.
    """
    return [str(d).strip() for d in (circle.domains or []) if str(d).strip()]


def children_of(circle) -> QuerySet[Circle]:
    return circle.children.order_by("dissolved", "name")


def latest_decisions(organization, *, circle=None, limit: int = 10):
    from decisions.models import Decision

    qs = Decision.objects.filter(organization=organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    return qs.select_related("circle").order_by("-sequence")[:limit]


def assignments(circle, *, current: bool = True) -> QuerySet[RoleAssignment]:
    qs = RoleAssignment.objects.filter(role__circle=circle).select_related("role", "user")
    qs = qs.filter(ended__isnull=True) if current else qs.filter(ended__isnull=False)
    return qs.order_by("role__kind", "role__name", "-term_start")


def assignment_or_none(organization, pk: int) -> RoleAssignment | None:
    return (
        RoleAssignment.objects.filter(pk=pk, role__circle__organization=organization)
        .select_related("role", "role__circle", "role__circle__parent", "user")
        .first()
    )


def role_or_none(organization, pk: int) -> Role | None:
    return (
        Role.objects.filter(pk=pk, circle__organization=organization)
        .select_related("circle", "circle__organization")
        .first()
    )


def pending_invitations(organization):
    from circles.models import Invitation

    return (
        Invitation.objects.filter(
            organization=organization,
            accepted__isnull=True,
            revoked__isnull=True,
            expires__gt=timezone.now(),
        )
        .select_related("circle", "invited_by")
        .order_by("-created")
    )


def invitation_or_none(organization, pk: int):
    from circles.models import Invitation

    return Invitation.objects.filter(organization=organization, pk=pk).first()


def org_person_or_none(organization, user_id: int):
    """A person who is or was a member of the organization (else None)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(pk=user_id, organization_memberships__organization=organization)
        .distinct()
        .first()
    )


def org_users(organization) -> QuerySet:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            organization_memberships__organization=organization,
            organization_memberships__left__isnull=True,
        )
        .order_by("display_name", "email")
    )


def can_manage_link(user, circle) -> bool:
    """Appoint the leader / accept the delegate of ``circle``: its parent's managers."""
    return circle.parent is not None and can_manage_children(user, circle.parent)


def structure_history(organization) -> dict:
    """Everything the structure ever was: circles (dissolved ones too), roles,
    memberships and role assignments with their dates (the open data, the
    chart as of a date). Four queries."""
    return {
        "circles": list(circles_of(organization, include_dissolved=True)),
        "roles": list(Role.objects.filter(circle__organization=organization).order_by("pk")),
        "memberships": list(
            Membership.objects.filter(circle__organization=organization)
            .select_related("user")
            .order_by("pk")
        ),
        "assignments": list(
            RoleAssignment.objects.filter(role__circle__organization=organization)
            .select_related("user")
            .order_by("pk")
        ),
    }


def data_licence(organization) -> dict:
    """The licence of a public organization's open data: SPDX id, name, URL."""
    from circles.models import LICENCE_URLS, DataLicence

    return {
        "id": organization.data_licence,
        "name": str(DataLicence(organization.data_licence).label),
        "url": LICENCE_URLS[organization.data_licence],
    }


# The structure on a past day (the history is kept) -----------------------------


def end_of(day: date) -> datetime:
    """The last instant of ``day`` in the site's time zone: what "on that
    date" covers (a change made during the day counts)."""
    return timezone.make_aware(datetime.combine(day, time.max))


def open_circles(organization, at: date | None = None):
    qs = Circle.objects.filter(organization=organization)
    if at is None:
        return qs.filter(dissolved__isnull=True)
    moment = end_of(at)
    return qs.filter(created__lte=moment).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=moment)
    )


def assignments_on(qs, at: date | None = None):
    """Role terms held now (``at`` None) or on the day ``at``."""
    if at is None:
        return qs.filter(ended__isnull=True)
    moment = end_of(at)
    return qs.filter(term_start__lte=at).filter(Q(ended__isnull=True) | Q(ended__gt=moment))


def memberships_on(qs, at: date | None = None):
    if at is None:
        return qs.filter(left__isnull=True)
    moment = end_of(at)
    return qs.filter(joined__lte=moment).filter(Q(left__isnull=True) | Q(left__gt=moment))


def holders_on(organization, at: date | None = None) -> list[RoleAssignment]:
    """Who held which role (now, or on the day ``at``), by circle and role."""
    qs = RoleAssignment.objects.filter(role__circle__organization=organization)
    return list(
        assignments_on(qs, at)
        .select_related("role", "role__circle", "user")
        .order_by("role__circle__name", "role__kind", "role__name")
    )
