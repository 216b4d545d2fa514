"""Organizations, circles, members, roles, invitations and link health as JSON.

Thin: the same selectors and services as the pages. A thing the caller may
not see answers 404 (its existence is not revealed); a visible thing the
caller may not change answers 403 (from the service's ``NotAllowed``).
"""

import inspect
import re
from datetime import date, datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import chart, relays, rules, selectors, services
from circles.health import double_link_health
from circles.models import DataLicence, Relay, Role
from core.errors import Invalid, NotAllowed
from core.schemas import IDEMPOTENT, idempotency_key, one_of

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
    domains: list[str]
    #: Off: its leader edits its definitions; on: a change is proposed.
    setup_done: bool
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
    purpose: str
    domains: list[str]
    accountabilities: list[str]
    default_term_months: int
    qualifications: list[str]
    shared: bool
    holders: list[AssignmentOut]


class ProposalRefOut(Schema):
    """The draft proposal that carries a change (see the proposals operations)."""

    id: int
    circle: str
    title: str
    state: str


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
    #: Decisions waiting to be relayed across this link longer than RELAY_WAIT_DAYS.
    relays_waiting: int
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
        "domains": list(circle.domains),
        "setup_done": circle.setup_done,
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
        "purpose": role.purpose,
        "domains": list(role.domains),
        "accountabilities": list(role.accountabilities),
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


@router.get("/orgs/{org}", response=OrganizationOut, operation_id="get_organization")
def get_organization(request, org: str):
    return _org(request, org)


@router.get("/orgs/{org}/members", response=list[OrgMemberOut], operation_id="list_org_members")
def list_org_members(request, org: str):
    organization = _org(request, org)
    return [_org_member_out(m) for m in selectors.org_members(organization)]


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


@router.get("/orgs/{org}/circles/{circle}", response=CircleOut, operation_id="get_circle")
def get_circle(request, org: str, circle: str):
    return _circle_out(_circle(_org(request, org), circle))


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
        "relays_waiting": relays.overdue_count(circle) if circle.parent_id else 0,
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
    return [_membership_out(m) for m in selectors.memberships(circle, current=not past)]


# Roles ------------------------------------------------------------------------------------


@router.get("/orgs/{org}/circles/{circle}/roles", response=list[RoleOut], operation_id="list_roles")
def list_roles(request, org: str, circle: str):
    circle = _circle(_org(request, org), circle)
    return [_role_out(r) for r in selectors.roles_with_holders(circle)]


def _role(request, org: str, role_id: int):
    role = selectors.role_or_none(_org(request, org), role_id)
    if role is None:
        raise Http404
    return role


def _assignment(request, org: str, pk: int):
    a = selectors.assignment_or_none(_org(request, org), pk)
    if a is None:
        raise Http404
    return a


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


class InvitationTokenIn(Schema):
    token: str


@router.post("/invitations/accept", response=OrganizationOut, operation_id="accept_invitation")
def accept_invitation(request, payload: InvitationTokenIn):
    """The caller (logged in with the invited address) accepts an invitation."""
    found = services.invitation_for_token(payload.token)
    services.accept_invitation(token=payload.token, user=request.auth)
    return found.organization


# Actions: generated from circles.rules ----------------------------------------------------
#
# One operation per route of ``rules.API_ROUTES``: the path loads the subject,
# the body is the action's input schema, the action's service does it (and
# checks the rule), and the answer is what the route ``returns``.


def _membership_out(m) -> dict:
    return {"user": person(m.user), "joined": m.joined, "left": m.left}


def _org_member_out(m) -> dict:
    return {
        "user": person(m.user),
        "email": m.user.email,
        "is_admin": m.is_admin,
        "joined": m.joined,
    }


class ImportLineOut(Schema):
    line: int
    email: str
    outcome: Literal["invite", "add", "unchanged", "error"]
    reason: str
    circles: list[str]


class ImportCountsOut(Schema):
    invite: int
    add: int
    unchanged: int
    error: int


class ImportPlanOut(Schema):
    applied: bool
    counts: ImportCountsOut
    lines: list[ImportLineOut]


def _import_plan_out(result: dict) -> dict:
    return {
        "applied": result["applied"],
        "counts": result["counts"],
        "lines": [
            {
                "line": line.row.number,
                "email": line.row.email,
                "outcome": line.outcome,
                "reason": str(line.reason),
                "circles": [c.slug for c in line.circles],
            }
            for line in result["lines"]
        ],
    }


RETURNS = {
    "organization": (OrganizationOut, lambda organization: organization),
    "org_member": (OrgMemberOut, _org_member_out),
    "circle": (CircleOut, _circle_out),
    "membership": (MembershipOut, _membership_out),
    "role": (RoleOut, _role_out),
    "assignment": (AssignmentOut, _assignment_out),
    "invitation": (InvitationOut, _invitation_out),
    "import_plan": (ImportPlanOut, _import_plan_out),
    "proposal": (
        ProposalRefOut,
        lambda p: {"id": p.pk, "circle": p.circle.slug, "title": p.title, "state": p.state},
    ),
}

#: A path parameter: its type and the subject it loads (as the service's keyword).
PATH_PARAMETERS = {
    "org": (str, "organization"),
    "circle": (str, "circle"),
    "role_id": (int, "role"),
    "assignment_id": (int, "assignment"),
    "invitation_id": (int, "invitation"),
    "user_id": (int, "user"),
}


def _subjects(request, params: dict) -> dict:
    """The objects the path names (404 for one the caller may not see)."""
    found = {}
    organization = _org(request, params["org"]) if "org" in params else None
    found["organization"] = organization
    if "circle" in params:
        found["circle"] = _circle(organization, params["circle"])
    if "role_id" in params:
        found["role"] = _role(request, params["org"], params["role_id"])
    if "assignment_id" in params:
        found["assignment"] = _assignment(request, params["org"], params["assignment_id"])
    if "invitation_id" in params:
        invitation = selectors.invitation_or_none(organization, params["invitation_id"])
        if invitation is None:
            raise Http404
        found["invitation"] = invitation
    if "user_id" in params:
        found["user"] = _member(organization, params["user_id"])
    return found


def _references(organization, data: dict, takes) -> dict:
    """The body's references (a circle's slug, a person's id) as the objects
    the service takes."""
    if "parent" in data:
        slug = data.pop("parent")
        if "new_parent" in takes:
            data["new_parent"] = _circle(organization, slug)
        else:
            if not slug:
                raise Invalid(
                    _("An organization has exactly one root circle; name the parent circle.")
                )
            data["parent"] = _circle(organization, slug)
    if "circle" in data:
        data["circle"] = _circle(organization, data["circle"])
    if "user_id" in data:
        user = selectors.org_person_or_none(organization, data.pop("user_id"))
        if user is None:
            raise Invalid(_("This person is not a member of the organization; invite them first."))
        data["user"] = user
    return data


def _action_operation(name: str, route: rules.Route):
    step = rules.api_steps(name)[0]
    service = step.call()
    takes = set(inspect.signature(service).parameters)
    fields = set(step.input.model_fields) if step.input is not None else set()
    required = {
        key
        for key, parameter in inspect.signature(service).parameters.items()
        if key in fields and parameter.default is inspect.Parameter.empty
    }
    path_names = re.findall(r"{(\w+)}", route.path)
    schema, out = RETURNS[route.returns]

    def operation(request, payload=None, **params):
        found = _subjects(request, params)
        subject = found.get(step.extra["subject"])
        patch = route.method == "PATCH"
        data = payload.dict(exclude_none=patch) if payload is not None else {}
        data = _references(found["organization"], data, takes)
        if patch:  # a field the body leaves out keeps its value
            data.update({key: getattr(subject, key) for key in required - set(data)})
        arguments = {k: v for k, v in {**found, **data}.items() if k in takes}
        if "key" in takes:  # a creation replayed with the same key makes one thing
            arguments["key"] = idempotency_key(request)
        result = service(**arguments, by=request.auth)
        if isinstance(result, tuple):  # an invitation and its raw token (emailed only)
            result = result[0]
        return Status(route.status, out(result)) if route.status != 200 else out(result)

    plain = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("request", plain)]
    parameters += [
        inspect.Parameter(p, plain, annotation=PATH_PARAMETERS[p][0]) for p in path_names
    ]
    if step.input is not None:
        parameters.append(inspect.Parameter("payload", plain, annotation=step.input))
    operation.__signature__ = inspect.Signature(parameters)
    operation.__name__ = name
    operation.__doc__ = route.description or None
    response = {route.status: schema} if route.status != 200 else schema
    return operation, response


for _name, _route in rules.API_ROUTES.items():
    _operation, _response = _action_operation(_name, _route)
    _takes_key = "key" in inspect.signature(rules.api_steps(_name)[0].call()).parameters
    router.add_api_operation(
        _route.path,
        [_route.method],
        _operation,
        response=_response,
        operation_id=_name,
        description=_route.description or None,
        openapi_extra=IDEMPOTENT if _takes_key else None,
    )


# The double-link ledger (circles.relays) -------------------------------------------


class RelayOut(Schema):
    id: int
    decision: int
    title: str
    source: str
    target: str
    direction: one_of(Relay.Direction)
    state: one_of(Relay.State)
    automatic: bool
    carrier: PersonOut | None
    marked_by: PersonOut | None
    marked_at: datetime
    overdue: bool
    minutes: int | None
    reason: str
    closed_by: PersonOut | None
    closed_at: datetime | None


def _relay_out(r) -> dict:
    holder = relays.carrier(r)
    return {
        "id": r.pk,
        "decision": r.decision.sequence,
        "title": r.decision.title,
        "source": r.source.slug,
        "target": r.target.slug,
        "direction": r.direction,
        "state": r.state,
        "automatic": r.automatic,
        "carrier": person(holder) if holder else None,
        "marked_by": person(r.marked_by) if r.marked_by_id else None,
        "marked_at": r.marked_at,
        "overdue": r.state == Relay.State.WAITING and r.marked_at < relays.wait_limit(),
        "minutes": r.minutes.sequence if r.minutes_id else None,
        "reason": r.reason,
        "closed_by": person(r.closed_by) if r.closed_by_id else None,
        "closed_at": r.closed_at,
    }


def _relay(organization, relay_id: int):
    found = relays.relay_or_none(organization, relay_id)
    if found is None:
        raise Http404
    return found


@router.get(
    "/orgs/{org}/circles/{circle}/relays",
    response=list[RelayOut],
    operation_id="list_circle_relays",
    summary="The relays a circle receives across its double links (its relay inbox)",
)
def list_circle_relays(
    request,
    org: str,
    circle: str,
    state: Literal["waiting", "presented", "acknowledged", "all"] = "waiting",
):
    """Waiting ones by default, oldest first; ``state=all`` for every one."""
    circle = _circle(_org(request, org), circle)
    return [_relay_out(r) for r in relays.inbox(circle, state=None if state == "all" else state)]


@router.post(
    "/orgs/{org}/decisions/{seq}/relay",
    response={201: RelayOut},
    operation_id="relay_decision",
    summary=relays.STEPS["relay"].summary,
    openapi_extra=IDEMPOTENT,
)
def relay_decision(request, org: str, seq: int, payload: relays.RelayIn):
    """A member of the deciding circle marks the decision to be carried to the
    parent circle or to one of its children (``to``: the circle's slug)."""
    from decisions.models import Decision

    organization = _org(request, org)
    decision = (
        Decision.objects.filter(organization=organization, sequence=seq)
        .select_related("circle", "circle__parent")
        .first()
    )
    if decision is None:
        raise Http404
    row = relays.relay(
        subject=decision, by=request.auth, key=idempotency_key(request), **payload.dict()
    )
    return Status(201, _relay_out(relays.relay_or_none(organization, row.pk)))


def _relay_step_operation(name: str):
    step = relays.STEPS[name]

    def operation(request, org: str, relay_id: int, payload: step.input):
        organization = _org(request, org)
        step.call()(
            subject=_relay(organization, relay_id),
            by=request.auth,
            key=idempotency_key(request),
            **payload.dict(),
        )
        return _relay_out(_relay(organization, relay_id))

    operation.__name__ = f"{name}_relay"
    operation.__doc__ = str(step.summary)
    router.post(
        f"/orgs/{{org}}/relays/{{relay_id}}/{step.url}",
        response=RelayOut,
        operation_id=f"{name}_relay",
        summary=step.summary,
        openapi_extra=IDEMPOTENT,
    )(operation)


for _name in ("present", "acknowledge"):
    _relay_step_operation(_name)
