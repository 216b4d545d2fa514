"""Organizations, circles, members, roles, invitations and link health as JSON.

Thin: the same selectors and services as the pages. A thing the caller may
not see answers 404 (its existence is not revealed); a visible thing the
caller may not change answers 403 (from the service's ``NotAllowed``).
"""

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import chart, rules, selectors, services
from circles.health import double_link_health
from circles.models import DataLicence, Role
from core.errors import Invalid, NotAllowed
from core.schemas import one_of

router = Router(tags=["circles"])


# Schemas -------------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    language: str
    public_log: bool
    data_licence: one_of(DataLicence)
    created: datetime


class OrgMemberOut(Schema):
    user: PersonOut
    email: str
    is_admin: bool
    joined: datetime


class CircleOut(Schema):
    id: int
    name: str
    slug: str
    parent: str | None
    aim: str
    domain: str
    review_months: int
    created: datetime
    dissolved: datetime | None
    health: str | None


class MembershipOut(Schema):
    user: PersonOut
    joined: datetime
    left: datetime | None


class AssignmentOut(Schema):
    id: int
    user: PersonOut
    term_start: date
    term_end: date
    ended: datetime | None
    end_reason: str
    decision: int | None
    parent_accepted: bool


class RoleOut(Schema):
    id: int
    circle: str
    kind: one_of(Role.Kind)
    name: str
    description: str
    default_term_months: int
    qualifications: list[str]
    shared: bool
    holders: list[AssignmentOut]


class InvitationOut(Schema):
    id: int
    email: str
    circle: str
    created: datetime
    expires: datetime
    accepted: datetime | None
    revoked: datetime | None


class HealthOut(Schema):
    circle: str
    health: str | None
    label: str
    leader: PersonOut | None
    delegate: PersonOut | None


class ChartNode(Schema):
    id: int
    slug: str
    name: str
    health: str | None
    leader: PersonOut | None
    delegate: PersonOut | None
    children: list["ChartNode"]


ChartNode.model_rebuild()


class TermOut(Schema):
    assignment: int
    circle: str
    role: str
    user: PersonOut
    term_end: date
    expired: bool


class PersonPageOut(Schema):
    user: PersonOut
    circles: list[dict]
    roles: list[dict]


# Helpers ---------------------------------------------------------------------------


def _input(action: str):
    """An action's request body: its input schema in ``circles.rules``."""
    return rules.RULES[action].input


def _org(request, slug: str):
    organization = selectors.readable_organization_or_none(request.auth, slug)
    if organization is None:
        raise Http404
    return organization


def _circle(organization, slug: str):
    circle = selectors.circle_or_none(organization, slug)
    if circle is None:
        raise Http404
    return circle


def _member(organization, user_id: int):
    user = selectors.org_person_or_none(organization, user_id)
    if user is None:
        raise Http404
    return user


def _circle_out(circle) -> dict:
    health = double_link_health(circle)
    return {
        "id": circle.pk,
        "name": circle.name,
        "slug": circle.slug,
        "parent": circle.parent.slug if circle.parent_id else None,
        "aim": circle.aim,
        "domain": circle.domain,
        "review_months": circle.review_months,
        "created": circle.created,
        "dissolved": circle.dissolved,
        "health": health.value if health else None,
    }


def _assignment_out(a) -> dict:
    return {
        "id": a.pk,
        "user": person(a.user),
        "term_start": a.term_start,
        "term_end": a.term_end,
        "ended": a.ended,
        "end_reason": a.end_reason,
        "decision": a.decision.sequence if a.decision_id else None,
        "parent_accepted": a.parent_acceptance_id is not None,
    }


def _role_out(role) -> dict:
    holders = getattr(role, "current", None)
    if holders is None:
        holders = list(selectors.current_assignments(role))
    return {
        "id": role.pk,
        "circle": role.circle.slug,
        "kind": role.kind,
        "name": role.name,
        "description": role.description,
        "default_term_months": role.default_term_months,
        "qualifications": list(role.qualifications),
        "shared": role.shared,
        "holders": [_assignment_out(a) for a in holders],
    }


def _invitation_out(inv) -> dict:
    return {
        "id": inv.pk,
        "email": inv.email,
        "circle": inv.circle.slug,
        "created": inv.created,
        "expires": inv.expires,
        "accepted": inv.accepted,
        "revoked": inv.revoked,
    }


# Organizations -----------------------------------------------------------------------


@router.get("/orgs", response=list[OrganizationOut], operation_id="list_organizations")
def list_organizations(request):
    """The organizations the caller belongs to."""
    return list(selectors.organizations_for(request.auth))


@router.post("/orgs", response={201: OrganizationOut}, operation_id="create_organization")
def create_organization(request, payload: _input("create_organization")):
    """Create an organization and its root circle; the caller becomes its admin."""
    return Status(201, services.create_organization(by=request.auth, **payload.dict()))


@router.get("/orgs/{org}", response=OrganizationOut, operation_id="get_organization")
def get_organization(request, org: str):
    return _org(request, org)


@router.patch("/orgs/{org}", response=OrganizationOut, operation_id="update_organization")
def update_organization(request, org: str, payload: _input("update_organization")):
    """Name, default language, public log (administrators)."""
    organization = _org(request, org)
    data = payload.dict(exclude_none=True)
    return services.update_organization(
        organization=organization,
        by=request.auth,
        name=data.get("name", organization.name),
        language=data.get("language", organization.language),
        public_log=data.get("public_log", organization.public_log),
        data_licence=data.get("data_licence", ""),
    )


@router.get("/orgs/{org}/members", response=list[OrgMemberOut], operation_id="list_org_members")
def list_org_members(request, org: str):
    organization = _org(request, org)
    return [
        {"user": person(m.user), "email": m.user.email, "is_admin": m.is_admin, "joined": m.joined}
        for m in selectors.org_members(organization)
    ]


@router.post(
    "/orgs/{org}/members/{user_id}/admin", response=OrgMemberOut, operation_id="set_org_admin"
)
def set_org_admin(request, org: str, user_id: int, payload: _input("set_org_admin")):
    organization = _org(request, org)
    m = services.set_org_admin(
        organization=organization,
        user=_member(organization, user_id),
        is_admin=payload.is_admin,
        by=request.auth,
    )
    return {
        "user": person(m.user),
        "email": m.user.email,
        "is_admin": m.is_admin,
        "joined": m.joined,
    }


@router.get("/orgs/{org}/terms", response=list[TermOut], operation_id="list_terms_ending")
def list_terms_ending(request, org: str, within_days: int = 60):
    """Current role assignments whose term ends within ``within_days`` days."""
    organization = _org(request, org)
    return [
        {
            "assignment": a.pk,
            "circle": a.role.circle.slug,
            "role": a.role.name,
            "user": person(a.user),
            "term_end": a.term_end,
            "expired": a.is_expired,
        }
        for a in selectors.terms_ending(organization, within_days=max(0, min(within_days, 3650)))
    ]


@router.get("/orgs/{org}/people/{user_id}", response=PersonPageOut, operation_id="get_person")
def get_person(request, org: str, user_id: int):
    """A person's circles and roles (current and past) in the organization."""
    organization = _org(request, org)
    someone = _member(organization, user_id)
    return {
        "user": person(someone),
        "circles": [
            {"circle": m.circle.slug, "name": m.circle.name, "joined": m.joined, "left": m.left}
            for m in selectors.person_circles(someone, organization)
        ],
        "roles": [
            {
                "assignment": a.pk,
                "circle": a.role.circle.slug,
                "role": a.role.name,
                "kind": a.role.kind,
                "term_start": a.term_start,
                "term_end": a.term_end,
                "ended": a.ended,
            }
            for a in selectors.person_roles(someone, organization)
        ],
    }


@router.get("/orgs/{org}/chart", response=list[ChartNode], operation_id="get_org_chart")
def get_org_chart(request, org: str):
    """The circle tree with each double link's health (same visibility as the log)."""
    from circles.models import Organization

    organization = Organization.objects.filter(slug=org).first()
    if organization is None or not selectors.can_read_log(request.auth, organization):
        raise Http404
    return chart.tree_json(organization)


# Circles -------------------------------------------------------------------------------


@router.get("/orgs/{org}/circles", response=list[CircleOut], operation_id="list_circles")
def list_circles(request, org: str, include_dissolved: bool = False):
    organization = _org(request, org)
    return [
        _circle_out(c)
        for c in selectors.circles_of(
            organization, include_dissolved=include_dissolved
        ).select_related("parent")
    ]


@router.post("/orgs/{org}/circles", response={201: CircleOut}, operation_id="create_circle")
def create_circle(request, org: str, payload: _input("create_circle")):
    """Create a sub-circle of ``parent`` (an organization has one root circle)."""
    organization = _org(request, org)
    if not payload.parent:
        raise Invalid(_("An organization has exactly one root circle; name the parent circle."))
    parent = _circle(organization, payload.parent)
    circle = services.create_circle(
        parent=parent,
        by=request.auth,
        name=payload.name,
        slug=payload.slug,
        aim=payload.aim,
        domain=payload.domain,
    )
    return Status(201, _circle_out(circle))


@router.get("/orgs/{org}/circles/{circle}", response=CircleOut, operation_id="get_circle")
def get_circle(request, org: str, circle: str):
    return _circle_out(_circle(_org(request, org), circle))


@router.patch("/orgs/{org}/circles/{circle}", response=CircleOut, operation_id="update_circle")
def update_circle(request, org: str, circle: str, payload: _input("update_circle")):
    """Rename, or change the aim, domain or review term."""
    circle = _circle(_org(request, org), circle)
    data = payload.dict(exclude_none=True)
    circle = services.update_circle(
        circle=circle,
        by=request.auth,
        name=data.get("name", circle.name),
        aim=data.get("aim", circle.aim),
        domain=data.get("domain", circle.domain),
        review_months=data.get("review_months"),
    )
    return _circle_out(circle)


@router.post("/orgs/{org}/circles/{circle}/move", response=CircleOut, operation_id="move_circle")
def move_circle(request, org: str, circle: str, payload: _input("move_circle")):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    new_parent = _circle(organization, payload.parent)
    return _circle_out(services.move_circle(circle=circle, new_parent=new_parent, by=request.auth))


@router.post(
    "/orgs/{org}/circles/{circle}/dissolve", response=CircleOut, operation_id="dissolve_circle"
)
def dissolve_circle(request, org: str, circle: str, payload: _input("dissolve_circle")):
    circle = _circle(_org(request, org), circle)
    return _circle_out(
        services.dissolve_circle(circle=circle, by=request.auth, reason=payload.reason)
    )


@router.get(
    "/orgs/{org}/circles/{circle}/health", response=HealthOut, operation_id="get_circle_health"
)
def get_circle_health(request, org: str, circle: str):
    circle = _circle(_org(request, org), circle)
    health = double_link_health(circle)
    leader = selectors.current_holder(circle, "leader")
    delegate = selectors.current_holder(circle, "delegate")
    return {
        "circle": circle.slug,
        "health": health.value if health else None,
        "label": str(health.label) if health else "root",
        "leader": person(leader) if leader else None,
        "delegate": person(delegate) if delegate else None,
    }


# Members --------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/circles/{circle}/members",
    response=list[MembershipOut],
    operation_id="list_members",
)
def list_members(request, org: str, circle: str, past: bool = False):
    """Current members, or past ones with ``past=true``."""
    circle = _circle(_org(request, org), circle)
    return [
        {"user": person(m.user), "joined": m.joined, "left": m.left}
        for m in selectors.memberships(circle, current=not past)
    ]


@router.post(
    "/orgs/{org}/circles/{circle}/members",
    response={201: MembershipOut},
    operation_id="add_member",
)
def add_member(request, org: str, circle: str, payload: _input("add_member")):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    user = selectors.org_person_or_none(organization, payload.user_id)
    if user is None:
        raise Invalid(_("This person is not a member of the organization; invite them first."))
    m = services.add_member(circle=circle, user=user, by=request.auth)
    return Status(201, {"user": person(m.user), "joined": m.joined, "left": m.left})


@router.post(
    "/orgs/{org}/circles/{circle}/members/{user_id}/remove",
    response=MembershipOut,
    operation_id="remove_member",
)
def remove_member(request, org: str, circle: str, user_id: int, payload: _input("remove_member")):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    m = services.remove_member(
        circle=circle, user=_member(organization, user_id), by=request.auth, reason=payload.reason
    )
    return {"user": person(m.user), "joined": m.joined, "left": m.left}


# Roles ------------------------------------------------------------------------------------


@router.get("/orgs/{org}/circles/{circle}/roles", response=list[RoleOut], operation_id="list_roles")
def list_roles(request, org: str, circle: str):
    circle = _circle(_org(request, org), circle)
    return [_role_out(r) for r in selectors.roles_with_holders(circle)]


@router.post(
    "/orgs/{org}/circles/{circle}/roles", response={201: RoleOut}, operation_id="create_role"
)
def create_role(request, org: str, circle: str, payload: _input("create_role")):
    """A custom role (the process roles exist with every circle)."""
    circle = _circle(_org(request, org), circle)
    return Status(
        201, _role_out(services.create_role(circle=circle, by=request.auth, **payload.dict()))
    )


def _role(request, org: str, role_id: int):
    role = selectors.role_or_none(_org(request, org), role_id)
    if role is None:
        raise Http404
    return role


@router.patch("/orgs/{org}/roles/{role_id}", response=RoleOut, operation_id="update_role")
def update_role(request, org: str, role_id: int, payload: _input("update_role")):
    role = _role(request, org, role_id)
    return _role_out(
        services.update_role(role=role, by=request.auth, **payload.dict(exclude_none=True))
    )


@router.post(
    "/orgs/{org}/roles/{role_id}/assign", response={201: AssignmentOut}, operation_id="assign_role"
)
def assign_role(request, org: str, role_id: int, payload: _input("assign_role")):
    """Assign a role directly, recorded as a decision (the leader of a child
    circle by the parent circle; the delegate by the circle itself)."""
    role = _role(request, org, role_id)
    user = selectors.org_person_or_none(role.circle.organization, payload.user_id)
    if user is None:
        raise Invalid(_("This person is not a member of the organization."))
    a = services.assign_role(
        role=role,
        user=user,
        by=request.auth,
        term_start=payload.term_start,
        term_end=payload.term_end,
        reason=payload.reason,
    )
    return Status(201, _assignment_out(a))


def _assignment(request, org: str, pk: int):
    a = selectors.assignment_or_none(_org(request, org), pk)
    if a is None:
        raise Http404
    return a


@router.post(
    "/orgs/{org}/assignments/{assignment_id}/end",
    response=AssignmentOut,
    operation_id="end_assignment",
)
def end_assignment(request, org: str, assignment_id: int, payload: _input("end_assignment")):
    a = _assignment(request, org, assignment_id)
    return _assignment_out(
        services.end_assignment(assignment=a, by=request.auth, reason=payload.reason)
    )


@router.post(
    "/orgs/{org}/assignments/{assignment_id}/accept",
    response=AssignmentOut,
    operation_id="accept_delegate",
)
def accept_delegate(request, org: str, assignment_id: int, payload: _input("accept_delegate")):
    """The parent circle records that it accepts (or objects to) a delegate."""
    a = _assignment(request, org, assignment_id)
    return _assignment_out(
        services.accept_delegate(
            assignment=a, by=request.auth, accepted=payload.accepted, reason=payload.reason
        )
    )


# Invitations -----------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/invitations", response=list[InvitationOut], operation_id="list_invitations"
)
def list_invitations(request, org: str):
    """Pending invitations (administrators)."""
    organization = _org(request, org)
    if not selectors.is_org_admin(request.auth, organization):
        raise NotAllowed(_("Only an administrator may do this."))
    return [_invitation_out(i) for i in selectors.pending_invitations(organization)]


@router.post(
    "/orgs/{org}/invitations", response={201: InvitationOut}, operation_id="create_invitation"
)
def create_invitation(request, org: str, payload: _input("invite")):
    """Email an invitation link into a circle (used once, expires)."""
    circle = _circle(_org(request, org), payload.circle)
    invitation, _raw = services.invite(circle=circle, email=payload.email, by=request.auth)
    return Status(201, _invitation_out(invitation))


@router.post(
    "/orgs/{org}/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    operation_id="revoke_invitation",
)
def revoke_invitation(request, org: str, invitation_id: int):
    organization = _org(request, org)
    invitation = selectors.invitation_or_none(organization, invitation_id)
    if invitation is None:
        raise Http404
    return _invitation_out(services.revoke_invitation(invitation=invitation, by=request.auth))


class InvitationTokenIn(Schema):
    token: str


@router.post("/invitations/accept", response=OrganizationOut, operation_id="accept_invitation")
def accept_invitation(request, payload: InvitationTokenIn):
    """The caller (logged in with the invited address) accepts an invitation."""
    found = services.invitation_for_token(payload.token)
    services.accept_invitation(token=payload.token, user=request.auth)
    return found.organization
