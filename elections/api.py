"""Selections as JSON: every read and every step the pages offer.

Thin: the same selectors and services as the pages. Hidden nominations never
appear in an answer before the facilitator shows them: every read goes
through ``elections.selectors`` (``visible_nominations``, ``grid``).
An organization or selection the caller may not see answers 404.
"""

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from circles import selectors as circle_selectors
from core.errors import Conflict, Invalid, NotFound
from elections import selectors, services

router = Router(tags=["elections"])


# Schemas -------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str


class RoleOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    default_term_months: int
    qualifications: list[str]


class ElectionOut(Schema):
    id: int
    circle: str
    role: RoleOut
    state: str
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
    created: datetime


class GridRowOut(Schema):
    nominator: PersonOut
    nominee: PersonOut | None
    reason: str
    changed_to: PersonOut | None
    change_reason: str


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
    position: str | None
    text: str
    concern: str


class RoundOut(Schema):
    id: int
    mode: str
    open: bool
    current_speaker: PersonOut | None
    answered: int
    expected: int
    speakers: list[SpeakerOut]


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    by: PersonOut
    at: datetime
    reason: str


class KeyIn(Schema):
    idempotency_key: str | None = None


class OpenIn(KeyIn):
    role: int
    term_start: date | None = None
    term_end: date | None = None


class TermIn(KeyIn):
    term_start: date
    term_end: date


class ReviewIn(KeyIn):
    reason: str
    description: str | None = None
    qualifications: list[str] | None = None
    default_term_months: int | None = None
    term_start: date | None = None
    term_end: date | None = None
    mode: str = "reveal"


class NominateIn(KeyIn):
    nominee: int
    reason: str = ""


class ProposeIn(KeyIn):
    nominee: int
    term_end: date
    reason: str = ""
    mode: str = "in_turn"


class AnswerIn(KeyIn):
    position: str
    reason: str = ""
    concern: str = ""


class ReasonIn(KeyIn):
    reason: str = ""


class ParentIn(KeyIn):
    accepted: bool
    reason: str = ""


# Helpers ---------------------------------------------------------------------------


def _person(user):
    return {"id": user.pk, "name": user.name} if user is not None else None


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
        "role": {
            "id": role.pk,
            "kind": role.kind,
            "name": role.name,
            "description": role.description,
            "default_term_months": role.default_term_months,
            "qualifications": list(role.qualifications),
        },
        "state": election.state,
        "term_start": election.term_start,
        "term_end": election.term_end,
        "facilitator": _person(election.facilitator),
        "created": election.created,
        "nominations_shown": election.nominations_shown,
        "proposed_nominee": _person(election.proposed_nominee),
        "proposed_term_end": election.proposed_term_end,
        "proposal_reason": election.proposal_reason,
        "decision": election.decision.sequence if election.decision_id else None,
        "cancel_reason": election.cancel_reason,
        "nominated": done,
        "participants": expected,
        "allowed_steps": services.allowed_steps(election, user),
        # What would change (before/after) and why; the round is read apart.
        "role_change": election.role_change,
    }


def _user(election, user_id):
    user = circle_selectors.org_person_or_none(election.circle.organization, user_id)
    if user is None:
        raise Invalid(_("Choose a person of the circle."), field="nominee")
    return user


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
            "nominator": _person(n.nominator),
            "nominee": _person(n.nominee),
            "reason": n.reason,
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
            {"nominee": _person(c["nominee"]), "first": c["first"], "final": c["final"]}
            for c in table["counts"]
        ],
    }


def _round_out(view) -> dict:
    round_ = view["round"]
    return {
        "id": round_.pk,
        "mode": round_.mode,
        "open": round_.is_open,
        "current_speaker": _person(view["current"]),
        "answered": view["done"],
        "expected": view["expected"],
        "speakers": [
            {
                "member": _person(s["user"]),
                "answered": s["answered"],
                "current": s["current"],
                "position": s["response"].kind if s["response"] else None,
                "text": s["response"].text if s["response"] else "",
                "concern": s["response"].concern if s["response"] else "",
            }
            for s in view["speakers"]
        ],
    }


@router.get(
    "/orgs/{org}/elections/{election_id}/role-change/round",
    response=RoundOut,
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
    response=RoundOut,
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
    response=list[EventOut],
    operation_id="list_election_events",
)
def list_events(request, org: str, election_id: int):
    election = _election(request, org, election_id)
    return [
        {
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "by": _person(e.by),
            "at": e.at,
            "reason": e.reason,
        }
        for e in selectors.events_of(election)
    ]


# Actions -------------------------------------------------------------------------------


@router.post("/orgs/{org}/elections", response={201: ElectionOut}, operation_id="open_election")
def open_election(request, org: str, payload: OpenIn):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    role = circle_selectors.role_or_none(organization, payload.role)
    if role is None:
        raise Invalid(_("Choose a role."), field="role")
    election = services.open_election(
        role=role,
        by=request.user,
        term_start=payload.term_start,
        term_end=payload.term_end,
        idempotency_key=payload.idempotency_key,
    )
    return 201, _out(_reload(election), request.user)


def _action(path: str, operation_id: str, schema, call, summary: str):
    @router.post(
        "/orgs/{org}/elections/{election_id}/" + path,
        response=ElectionOut,
        operation_id=operation_id,
        summary=summary,
    )
    def endpoint(request, org: str, election_id: int, payload: schema):
        election = _election(request, org, election_id)
        call(election, request.user, payload)
        return _out(_reload(election), request.user)

    endpoint.__name__ = operation_id
    return endpoint


def _key(p):
    return p.idempotency_key


_action(
    "term", "set_election_term", TermIn,
    lambda e, u, p: services.set_term(
        election=e, by=u, term_start=p.term_start, term_end=p.term_end, idempotency_key=_key(p)
    ),
    "Change the term (setup)",
)  # fmt: skip
_action(
    "review-role", "propose_election_role_change", ReviewIn,
    lambda e, u, p: services.review_role(
        election=e, by=u, reason=p.reason, description=p.description,
        qualifications=p.qualifications, default_term_months=p.default_term_months,
        term_start=p.term_start, term_end=p.term_end, mode=p.mode, idempotency_key=_key(p),
    ),
    "Propose a change of the role or term and open its consent round (setup)",
)  # fmt: skip
_action(
    "role-change/answer", "answer_election_role_change", AnswerIn,
    lambda e, u, p: services.answer_role_change(
        election=e, by=u, position=p.position, reason=p.reason, concern=p.concern,
        idempotency_key=_key(p),
    ),
    "Consent or object (with a reason) to the change of the role",
)  # fmt: skip
_action(
    "role-change/skip-speaker", "skip_election_role_change_speaker", KeyIn,
    lambda e, u, p: services.skip_role_speaker(election=e, by=u, idempotency_key=_key(p)),
    "Move the round on the change of the role to the next speaker",
)  # fmt: skip
_action(
    "role-change/close", "close_election_role_change", KeyIn,
    lambda e, u, p: services.close_role_change(election=e, by=u, idempotency_key=_key(p)),
    "Close the round on the change: applied if all consented, else kept to amend or drop",
)  # fmt: skip
_action(
    "role-change/drop", "drop_election_role_change", ReasonIn,
    lambda e, u, p: services.drop_role_change(
        election=e, by=u, reason=p.reason, idempotency_key=_key(p)
    ),
    "Drop the change of the role on the table",
)  # fmt: skip
_action(
    "start-nominating", "start_nominating", KeyIn,
    lambda e, u, p: services.start_nominating(election=e, by=u, idempotency_key=_key(p)),
    "Start nominating",
)  # fmt: skip
_action(
    "nominate", "nominate", NominateIn,
    lambda e, u, p: services.nominate(
        election=e, by=u, nominee=_user(e, p.nominee), reason=p.reason, idempotency_key=_key(p)
    ),
    "Nominate one person of the circle, with a reason (hidden until shown)",
)  # fmt: skip
_action(
    "show-nominations", "show_nominations", KeyIn,
    lambda e, u, p: services.show_nominations(election=e, by=u, idempotency_key=_key(p)),
    "Show every nomination at once",
)  # fmt: skip
_action(
    "start-change-round", "start_change_round", KeyIn,
    lambda e, u, p: services.start_change_round(election=e, by=u, idempotency_key=_key(p)),
    "Start the change round",
)  # fmt: skip
_action(
    "change-nomination", "change_nomination", NominateIn,
    lambda e, u, p: services.change_nomination(
        election=e, by=u, nominee=_user(e, p.nominee), reason=p.reason, idempotency_key=_key(p)
    ),
    "Keep or change one's nomination (a change needs a reason)",
)  # fmt: skip
_action(
    "start-proposing", "start_proposing", KeyIn,
    lambda e, u, p: services.start_proposing(election=e, by=u, idempotency_key=_key(p)),
    "Move on to the proposal",
)  # fmt: skip
_action(
    "propose", "propose_nominee", ProposeIn,
    lambda e, u, p: services.propose(
        election=e, by=u, nominee=_user(e, p.nominee), term_end=p.term_end, reason=p.reason,
        mode=p.mode, idempotency_key=_key(p),
    ),
    "Propose (or amend) a nominee and term; opens the consent round, nominee last",
)  # fmt: skip
_action(
    "answer", "answer_consent_round", AnswerIn,
    lambda e, u, p: services.answer(
        election=e, by=u, position=p.position, reason=p.reason, concern=p.concern,
        idempotency_key=_key(p),
    ),
    "Consent or object (with a reason)",
)  # fmt: skip
_action(
    "skip-speaker", "skip_speaker", KeyIn,
    lambda e, u, p: services.skip_speaker(election=e, by=u, idempotency_key=_key(p)),
    "Move the consent round to the next speaker",
)  # fmt: skip
_action(
    "elect", "elect", KeyIn,
    lambda e, u, p: services.elect(election=e, by=u, idempotency_key=_key(p)),
    "Record the selection once everyone consented",
)  # fmt: skip
_action(
    "parent-response", "record_parent_response", ParentIn,
    lambda e, u, p: services.record_parent_response(
        election=e, by=u, accepted=p.accepted, reason=p.reason, idempotency_key=_key(p)
    ),
    "The parent circle accepts the delegate, or objects with a reason",
)  # fmt: skip
_action(
    "cancel", "cancel_election", ReasonIn,
    lambda e, u, p: services.cancel(election=e, by=u, reason=p.reason, idempotency_key=_key(p)),
    "Cancel the selection, with a reason",
)  # fmt: skip
