"""Selections as JSON: every read and every step the pages offer.

Thin: the same selectors and services as the pages. The action routes are
generated from ``elections.steps.STEPS`` (path, operation id, summary, body
schema), so every step of the table is here. Send an ``Idempotency-Key``
header with each action. Hidden nominations never
appear in an answer before the facilitator shows them: every read goes
through ``elections.selectors`` (``visible_nominations``, ``grid``).
An organization or selection the caller may not see answers 404.
"""

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import selectors as circle_selectors
from circles.models import Role
from circles.records import role_snapshot
from core.errors import Conflict, Invalid, NotFound
from core.schemas import IDEMPOTENT, idempotency_key, one_of
from core.steps import parse_input, run
from elections import selectors, services
from elections.models import Election
from elections.steps import OPEN, STEPS, OpenIn
from proposals.models import Round

router = Router(tags=["elections"])


# Schemas -------------------------------------------------------------------------


class SelectionRoleOut(Schema):
    id: int
    kind: one_of(Role.Kind)
    name: str
    purpose: str
    domains: list[str]
    accountabilities: list[str]
    default_term_months: int
    qualifications: list[str]


class ElectionOut(Schema):
    id: int
    circle: str
    role: SelectionRoleOut
    state: one_of(Election.State)
    term_start: date
    term_end: date
    facilitator: PersonOut
    created: datetime
    nominations_shown: datetime | None
    proposed_nominee: PersonOut | None
    proposed_term_end: date | None
    proposal_reason: str
    decision: int | None
    cancel_reason: str
    nominated: int
    participants: int
    allowed_steps: list[str]
    role_change: dict | None = None


class NominationOut(Schema):
    id: int
    round: int
    nominator: PersonOut
    nominee: PersonOut
    reason: str
    #: Who recorded it for a member without a device (null: their own).
    recorded_by: PersonOut | None = None
    created: datetime


class GridRowOut(Schema):
    nominator: PersonOut
    nominee: PersonOut | None
    reason: str
    changed_to: PersonOut | None
    change_reason: str
    recorded_by: PersonOut | None = None
    change_recorded_by: PersonOut | None = None


class CountOut(Schema):
    nominee: PersonOut
    first: int
    final: int


class GridOut(Schema):
    rows: list[GridRowOut]
    counts: list[CountOut]


class SpeakerOut(Schema):
    member: PersonOut
    answered: bool
    current: bool
    kind: Literal["consent", "object"] | None
    text: str
    concern: str
    recorded_by: PersonOut | None = None


class SelectionRoundOut(Schema):
    id: int
    mode: one_of(Round.Mode)
    open: bool
    current_speaker: PersonOut | None
    answered: int
    expected: int
    speakers: list[SpeakerOut]


class SelectionEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    by: PersonOut
    at: datetime
    reason: str


# Helpers ---------------------------------------------------------------------------


_key = idempotency_key


def _election(request, org, election_id):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    election = selectors.election_or_none(organization, election_id)
    if election is None:
        raise Http404
    return election


def _reload(election):
    return selectors.election_or_none(election.circle.organization, election.pk)


def _out(election, user) -> dict:
    role = election.role
    done, expected = selectors.nomination_progress(election)
    return {
        "id": election.pk,
        "circle": election.circle.slug,
        "role": role_snapshot(role),
        "state": election.state,
        "term_start": election.term_start,
        "term_end": election.term_end,
        "facilitator": person(election.facilitator),
        "created": election.created,
        "nominations_shown": election.nominations_shown,
        "proposed_nominee": person(election.proposed_nominee),
        "proposed_term_end": election.proposed_term_end,
        "proposal_reason": election.proposal_reason,
        "decision": election.decision.sequence if election.decision_id else None,
        "cancel_reason": election.cancel_reason,
        "nominated": done,
        "participants": expected,
        "allowed_steps": STEPS.allowed(election, user),
        # What would change (before/after) and why; the round is read apart.
        "role_change": election.role_change,
    }


# Reads -------------------------------------------------------------------------------


@router.get("/orgs/{org}/elections", response=list[ElectionOut], operation_id="list_elections")
def list_elections(request, org: str, open_only: bool = False):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    return [
        _out(e, request.user) for e in selectors.elections_of(organization, open_only=open_only)
    ]


@router.get(
    "/orgs/{org}/elections/{election_id}", response=ElectionOut, operation_id="get_election"
)
def get_election(request, org: str, election_id: int):
    return _out(_election(request, org, election_id), request.user)


@router.get(
    "/orgs/{org}/elections/{election_id}/nominations",
    response=list[NominationOut],
    operation_id="list_election_nominations",
    description="All nominations once shown; before that, only the caller's own.",
)
def list_nominations(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    return [
        {
            "id": n.pk,
            "round": n.round,
            "nominator": person(n.nominator),
            "nominee": person(n.nominee),
            "reason": n.reason,
            "recorded_by": person(n.recorded_by) if n.recorded_by_id else None,
            "created": n.created,
        }
        for n in selectors.visible_nominations(election, request.user)
    ]


@router.get(
    "/orgs/{org}/elections/{election_id}/grid",
    response=GridOut,
    operation_id="get_election_grid",
    description="Who nominated whom and why, both rounds, and the count per nominee; "
    "409 until the nominations are shown.",
)
def get_grid(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    table = selectors.grid(election, request.user)
    if table is None:
        raise Conflict(_("The nominations are not shown yet."))
    return {
        "rows": selectors.grid_record(election),
        "counts": [
            {"nominee": person(c["nominee"]), "first": c["first"], "final": c["final"]}
            for c in table["counts"]
        ],
    }


def _round_out(view) -> dict:
    round_ = view["round"]
    return {
        "id": round_.pk,
        "mode": round_.mode,
        "open": round_.is_open,
        "current_speaker": person(view["current"]),
        "answered": view["done"],
        "expected": view["expected"],
        "speakers": [
            {
                "member": person(s["user"]),
                "answered": s["answered"],
                "current": s["current"],
                "kind": s["response"].kind if s["response"] else None,
                "text": s["response"].text if s["response"] else "",
                "concern": s["response"].concern if s["response"] else "",
                "recorded_by": person(s["response"].recorded_by)
                if s["response"] and s["response"].recorded_by_id
                else None,
            }
            for s in view["speakers"]
        ],
    }


@router.get(
    "/orgs/{org}/elections/{election_id}/role-change/round",
    response=SelectionRoundOut,
    operation_id="get_election_role_change_round",
    description="The consent round on the change of the role on the table; a reveal "
    "round shows only the caller's own answer until it closes.",
)
def get_role_change_round(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    view = selectors.role_change_view(election, request.user)
    if view is None or view["round"] is None:
        raise NotFound(_("No change of the role is on the table."))
    return _round_out(view["round"])


@router.get(
    "/orgs/{org}/elections/{election_id}/round",
    response=SelectionRoundOut,
    operation_id="get_election_round",
    description="The open consent round, or else the last one.",
)
def get_round(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    all_rounds = selectors.consent_rounds(election)
    view = selectors.round_view(all_rounds[-1] if all_rounds else None, request.user)
    if view is None:
        raise NotFound(_("No consent round yet."))
    return _round_out(view)


@router.get(
    "/orgs/{org}/elections/{election_id}/events",
    response=list[SelectionEventOut],
    operation_id="list_election_events",
)
def list_events(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    return [
        {
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "by": person(e.by),
            "at": e.at,
            "reason": e.reason,
        }
        for e in selectors.events_of(election)
    ]


# Actions -------------------------------------------------------------------------------


@router.post(
    "/orgs/{org}/elections",
    response={201: ElectionOut},
    operation_id="open_election",
    openapi_extra=IDEMPOTENT,
)
def open_election(request, org: str, payload: OpenIn):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    data = parse_input(OPEN, payload.dict())
    role = circle_selectors.role_or_none(organization, data.pop("role"))
    if role is None:
        raise Invalid(_("Choose a role."), field="role")
    election = services.open_election(role=role, by=request.user, key=_key(request), **data)
    return Status(201, _out(_reload(election), request.user))


def _take(request, org, election_id, step, body: dict):
    election = _election(request, org, election_id)
    run(STEPS, step.name, election, by=request.user, key=_key(request), data=body)
    return _out(_reload(election), request.user)


def _route(step):
    """The API operation of one step of the table (same path segment as the page)."""
    operation_id = step.extra["operation_id"]
    if step.input is None:

        def endpoint(request, org: str, election_id: int):
            return _take(request, org, election_id, step, {})

    else:
        schema = step.input

        def endpoint(request, org: str, election_id: int, payload: schema):
            return _take(request, org, election_id, step, payload.dict())

    endpoint.__name__ = operation_id
    router.post(
        "/orgs/{org}/elections/{election_id}/" + step.url,
        response=ElectionOut,
        operation_id=operation_id,
        summary=step.summary,
        openapi_extra=IDEMPOTENT,
    )(endpoint)


for _step in STEPS:
    _route(_step)
