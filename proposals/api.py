"""The consent process in the JSON API: every read and every step of the
proposal page, behind the same services. The step routes are generated from
the step table (``proposals.steps.STEPS``): one operation per step, its schema
as the body, its summary, path and operation id. Each takes an
``Idempotency-Key`` header: a replay does nothing and answers with the
proposal as it stands. Answers of an open reveal round never appear, except
the caller's own."""

import inspect
from datetime import date, datetime
from typing import Literal

from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import selectors as circle_selectors
from core.errors import NotFound
from core.schemas import IDEMPOTENT, idempotency_key, one_of
from core.steps import Step
from decisions.models import Decision
from proposals import rounds, selectors, services, steps
from proposals.models import Objection, Proposal, Response, Round

router = Router(tags=["proposals"])


class ResponseOut(Schema):
    id: int
    member: PersonOut
    kind: one_of(Response.Kind)
    text: str
    concern: str
    reply: str
    recorded_by: PersonOut | None = None
    created: datetime


class ProposalRoundOut(Schema):
    id: int
    kind: one_of(Round.Kind)
    mode: one_of(Round.Mode)
    revision: int | None
    speakers: list[PersonOut]
    current_speaker: int | None
    answered: int
    expected: int
    open: bool
    responses: list[ResponseOut]


class RevisionOut(Schema):
    number: int
    body: str
    change_note: str
    author: PersonOut
    created: datetime


class ObjectionOut(Schema):
    id: int
    member: PersonOut
    reason: str
    state: one_of(Objection.State)
    resolution: str
    integrated_in: int | None


class ProposalEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    by: PersonOut | None
    at: datetime
    reason: str


class ProposalSummaryOut(Schema):
    id: int
    organization: str
    circle: str
    title: str
    state: one_of(Proposal.State)
    author: PersonOut
    created: datetime
    consent_deadline: datetime | None
    flagged_for_meeting: bool
    decision: int | None


class ProposalOut(ProposalSummaryOut):
    review_date: date | None
    amends: int | None
    measures: list[str]
    domain: str
    evaluate: list[str]
    revision: int
    body: str
    #: A change of definitions it carries: ``{"target": "circle" | "role" |
    #: "new_role", "circle", "role", "before", "after"}``; adopting applies ``after``.
    change: dict | None
    allowed_actions: list[str]
    your_actions: list[str]
    revisions: list[RevisionOut]
    round: ProposalRoundOut | None
    rounds: list[ProposalRoundOut]
    objections: list[ObjectionOut]
    events: list[ProposalEventOut]


class DiffPiece(Schema):
    op: Literal["equal", "delete", "insert"]
    text: str


class DiffOut(Schema):
    a: int
    b: int
    pieces: list[DiffPiece]


class CreateIn(Schema):
    circle: str
    title: str
    body: str
    review_date: date | None = None
    amends: int | None = None
    measures: list[str] = []
    domain: str = ""


# Rendering -------------------------------------------------------------------------


def _round(round_, viewer) -> dict:
    users = {u.pk: u for u in services._users(round_.speakers)}
    answered, expected = rounds.progress(round_)
    return {
        "id": round_.pk,
        "kind": round_.kind,
        "mode": round_.mode,
        "revision": round_.revision.number if round_.revision_id else None,
        "speakers": [person(users[i]) for i in round_.speakers if i in users],
        "current_speaker": round_.current_speaker_id,
        "answered": answered,
        "expected": expected,
        "open": round_.closed is None,
        # The one place answers leave the server for the API: hidden ones stay hidden.
        "responses": [
            {
                "id": r.pk,
                "member": person(r.member),
                "kind": r.kind,
                "text": r.text,
                "concern": r.concern,
                "reply": r.reply,
                "recorded_by": person(r.recorded_by) if r.recorded_by_id else None,
                "created": r.created,
            }
            for r in rounds.visible_responses(round_, viewer)
        ],
    }


def _summary(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "organization": p.circle.organization.slug,
        "circle": p.circle.slug,
        "title": p.title,
        "state": p.state,
        "author": person(p.author),
        "created": p.created,
        "consent_deadline": p.consent_deadline,
        "flagged_for_meeting": selectors.flag_shown(p),
        "decision": p.decision.sequence if p.decision_id else None,
    }


def _full(request, proposal: Proposal) -> dict:
    p = selectors.readable_proposal_or_none(request.user, proposal.pk)
    data = selectors.process_data(p)
    viewer = selectors.viewer_data(p, request.user, data)
    revision = data["revision"]
    return {
        **_summary(p),
        "review_date": p.review_date,
        "amends": p.amends.sequence if p.amends_id else None,
        "change": p.change,
        "measures": list(p.measures or []),
        "domain": p.domain,
        "evaluate": data["evaluate"],
        "revision": revision.number,
        "body": revision.body,
        "allowed_actions": data["actions"],
        "your_actions": viewer["allowed"],
        "revisions": [
            {
                "number": r.number,
                "body": r.body,
                "change_note": r.change_note,
                "author": person(r.author),
                "created": r.created,
            }
            for r in data["revisions"]
        ],
        "round": _round(data["round"]["round"], request.user) if data["round"] else None,
        "rounds": [
            _round(r, request.user)
            for r in rounds.rounds_of(p).select_related("revision").order_by("opened", "pk")
        ],
        "objections": [
            {
                "id": o.pk,
                "member": person(o.member),
                "reason": o.reason,
                "state": o.state,
                "resolution": o.resolution,
                "integrated_in": o.integrated_in.number if o.integrated_in_id else None,
            }
            for o in data["objections"]
        ],
        "events": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "by": person(e.by),
                "at": e.at,
                "reason": e.reason,
            }
            for e in data["events"]
        ],
    }


def _organization(request, org: str):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise NotFound("Not found.")
    return organization


def _get(request, org: str, proposal_id: int) -> Proposal:
    """The proposal ``proposal_id`` of organization ``org``, if the caller may
    read it (a proposal of another organization is not found here)."""
    proposal = selectors.readable_proposal_or_none(request.user, proposal_id)
    if proposal is None or proposal.circle.organization.slug != org:
        raise NotFound("Not found.")
    return proposal


_key = idempotency_key


# Reads ---------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/proposals", response=list[ProposalSummaryOut], operation_id="list_proposals"
)
def list_proposals(request, org: str, circle: str | None = None):
    """A circle's (or an organization's) proposals, newest first."""
    organization = _organization(request, org)
    circle_obj = None
    if circle:
        circle_obj = circle_selectors.circle_or_none(organization, circle)
        if circle_obj is None:
            raise NotFound("Not found.")
    qs = selectors.readable_proposals(request.user, organization, circle=circle_obj)
    return [_summary(p) for p in qs.select_related("circle__organization", "decision")]


@router.get(
    "/orgs/{org}/proposals/{proposal_id}", response=ProposalOut, operation_id="get_proposal"
)
def get_proposal(request, org: str, proposal_id: int):
    """The proposal, its revisions, rounds (hidden answers left out), objections, history."""
    return _full(request, _get(request, org, proposal_id))


@router.get(
    "/orgs/{org}/proposals/{proposal_id}/diff", response=DiffOut, operation_id="diff_revisions"
)
def diff_revisions(request, org: str, proposal_id: int, a: int, b: int):
    """Word-level differences between revisions ``a`` and ``b``."""
    proposal = _get(request, org, proposal_id)
    pair = selectors.revision_pair(proposal, a, b)
    if pair is None:
        raise NotFound("This proposal has no such revision.")
    return {"a": a, "b": b, "pieces": selectors.diff(*pair)}


# Actions -------------------------------------------------------------------------------


@router.post(
    "/orgs/{org}/proposals",
    response={201: ProposalOut},
    operation_id="create_proposal",
    openapi_extra=IDEMPOTENT,
)
def create_proposal(request, org: str, payload: CreateIn):
    """Draft a proposal in a circle you are a member of."""
    org = _organization(request, org)
    circle = circle_selectors.circle_or_none(org, payload.circle)
    if circle is None:
        raise NotFound("Not found.")
    amends = None
    if payload.amends is not None:
        amends = Decision.objects.filter(organization=org, sequence=payload.amends).first()
        if amends is None:
            raise NotFound("No such decision to amend.")
    proposal = services.create_proposal(
        circle=circle,
        by=request.user,
        title=payload.title,
        body=payload.body,
        review_date=payload.review_date,
        amends=amends,
        measures=payload.measures,
        domain=payload.domain,
        key=_key(request),
    )
    return Status(201, _full(request, proposal))


def _step_operation(step: Step):
    """The API operation of one step: ``POST /orgs/{org}/proposals/{proposal_id}/<segment>``
    (the ids the segment names are path parameters), the step's schema as
    the body, the ``Idempotency-Key`` header; it answers with the proposal."""
    ids = steps.ids_of(step)

    def operation(request, org: str, proposal_id: int, payload=None, **named):
        p = _get(request, org, proposal_id)
        data = payload.model_dump() if payload is not None else {}
        step.call()(proposal=p, by=request.user, key=_key(request), **named, **data)
        return _full(request, p)

    plain = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        inspect.Parameter("request", plain),
        inspect.Parameter("org", plain, annotation=str),
        inspect.Parameter("proposal_id", plain, annotation=int),
        *(inspect.Parameter(name, plain, annotation=int) for name in ids),
    ]
    if step.input is not None:
        parameters.append(inspect.Parameter("payload", plain, annotation=step.input))
    operation.__signature__ = inspect.Signature(parameters)
    operation.__name__ = step.extra["operation_id"]
    return operation


for _step in steps.STEPS:
    router.add_api_operation(
        steps.api_path(_step),
        [_step.extra.get("method", "POST")],
        _step_operation(_step),
        response=ProposalOut,
        operation_id=_step.extra["operation_id"],
        summary=_step.summary,
        openapi_extra=IDEMPOTENT,
    )
