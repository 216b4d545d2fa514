"""The consent process in the JSON API: every read and every action of the
proposal page, behind the same services. Actions take an ``Idempotency-Key``
header: a replay does nothing and answers with the proposal as it stands.
Answers of an open reveal round never appear, except the caller's own."""

from datetime import date, datetime

from ninja import Router, Schema

from circles import selectors as circle_selectors
from core.errors import NotFound
from decisions.models import Decision
from proposals import rounds, selectors, services
from proposals.models import Proposal

router = Router(tags=["proposals"])


class PersonOut(Schema):
    id: int
    name: str


class ResponseOut(Schema):
    id: int
    member: PersonOut
    kind: str
    text: str
    concern: str
    reply: str
    recorded_by: PersonOut | None = None
    created: datetime


class RoundOut(Schema):
    id: int
    kind: str
    mode: str
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
    state: str
    resolution: str
    integrated_in: int | None


class EventOut(Schema):
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
    state: str
    author: PersonOut
    created: datetime
    consent_deadline: datetime | None
    flagged_for_meeting: bool
    decision: int | None


class ProposalOut(ProposalSummaryOut):
    review_date: date | None
    amends: int | None
    revision: int
    body: str
    allowed_actions: list[str]
    your_actions: list[str]
    revisions: list[RevisionOut]
    round: RoundOut | None
    rounds: list[RoundOut]
    objections: list[ObjectionOut]
    events: list[EventOut]


class DiffPiece(Schema):
    op: str
    text: str


class DiffOut(Schema):
    a: int
    b: int
    pieces: list[DiffPiece]


class CreateIn(Schema):
    organization: str
    circle: str
    title: str
    body: str
    review_date: date | None = None
    amends: int | None = None


class DraftIn(Schema):
    title: str
    body: str
    review_date: date | None = None


class RoundIn(Schema):
    mode: str = "in_turn"
    start_with: int | None = None


class ConsentIn(RoundIn):
    revision: int | None = None


class AsyncConsentIn(Schema):
    deadline: datetime
    revision: int | None = None


class AnswerIn(Schema):
    kind: str
    text: str = ""
    concern: str = ""


class AnswerForIn(AnswerIn):
    member: int


class ReplyIn(Schema):
    text: str


class AmendIn(Schema):
    body: str
    change_note: str


class ReviewIn(Schema):
    review_date: date | None = None


class ReasonIn(Schema):
    reason: str


class ResolveIn(Schema):
    resolution: str
    revision: int | None = None
    reason: str = ""


# Rendering -------------------------------------------------------------------------


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.name} if user is not None else None


def _round(round_, viewer) -> dict:
    users = {u.pk: u for u in services._users(round_.speakers)}
    answered, expected = rounds.progress(round_)
    return {
        "id": round_.pk,
        "kind": round_.kind,
        "mode": round_.mode,
        "revision": round_.revision.number if round_.revision_id else None,
        "speakers": [_person(users[i]) for i in round_.speakers if i in users],
        "current_speaker": round_.current_speaker_id,
        "answered": answered,
        "expected": expected,
        "open": round_.closed is None,
        # The one place answers leave the server for the API: hidden ones stay hidden.
        "responses": [
            {
                "id": r.pk,
                "member": _person(r.member),
                "kind": r.kind,
                "text": r.text,
                "concern": r.concern,
                "reply": r.reply,
                "recorded_by": _person(r.recorded_by) if r.recorded_by_id else None,
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
        "author": _person(p.author),
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
        "revision": revision.number,
        "body": revision.body,
        "allowed_actions": data["actions"],
        "your_actions": [a["name"] for a in viewer["actions"]],
        "revisions": [
            {
                "number": r.number,
                "body": r.body,
                "change_note": r.change_note,
                "author": _person(r.author),
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
                "member": _person(o.member),
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
                "by": _person(e.by),
                "at": e.at,
                "reason": e.reason,
            }
            for e in data["events"]
        ],
    }


def _get(request, proposal_id: int) -> Proposal:
    proposal = selectors.readable_proposal_or_none(request.user, proposal_id)
    if proposal is None:
        raise NotFound("Not found.")
    return proposal


def _key(request):
    return request.headers.get("Idempotency-Key")


# Reads ---------------------------------------------------------------------------------


@router.get("/proposals", response=list[ProposalSummaryOut], operation_id="list_proposals")
def list_proposals(request, organization: str, circle: str | None = None):
    """A circle's (or an organization's) proposals, newest first."""
    org = circle_selectors.readable_organization_or_none(request.user, organization)
    if org is None:
        raise NotFound("Not found.")
    circle_obj = None
    if circle:
        circle_obj = circle_selectors.circle_or_none(org, circle)
        if circle_obj is None:
            raise NotFound("Not found.")
    qs = selectors.readable_proposals(request.user, org, circle=circle_obj).select_related(
        "circle__organization", "decision"
    )
    return [_summary(p) for p in qs]


@router.get("/proposals/{proposal_id}", response=ProposalOut, operation_id="get_proposal")
def get_proposal(request, proposal_id: int):
    """The proposal, its revisions, rounds (hidden answers left out), objections, history."""
    return _full(request, _get(request, proposal_id))


@router.get("/proposals/{proposal_id}/diff", response=DiffOut, operation_id="diff_revisions")
def diff_revisions(request, proposal_id: int, a: int, b: int):
    """Word-level differences between revisions ``a`` and ``b``."""
    proposal = _get(request, proposal_id)
    pair = selectors.revision_pair(proposal, a, b)
    if pair is None:
        raise NotFound("This proposal has no such revision.")
    return {"a": a, "b": b, "pieces": selectors.diff(*pair)}


# Actions -------------------------------------------------------------------------------


@router.post("/proposals", response={201: ProposalOut}, operation_id="create_proposal")
def create_proposal(request, payload: CreateIn):
    """Draft a proposal in a circle you are a member of."""
    org = circle_selectors.readable_organization_or_none(request.user, payload.organization)
    circle = circle_selectors.circle_or_none(org, payload.circle) if org else None
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
        key=_key(request),
    )
    return 201, _full(request, proposal)


@router.put("/proposals/{proposal_id}", response=ProposalOut, operation_id="update_draft")
def update_draft(request, proposal_id: int, payload: DraftIn):
    """The author edits the draft (before presentation)."""
    p = _get(request, proposal_id)
    services.edit_draft(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/present", response=ProposalOut, operation_id="present_proposal"
)
def present_proposal(request, proposal_id: int):
    """Facilitator: the author presents the proposal to the circle."""
    p = _get(request, proposal_id)
    services.present(proposal=p, by=request.user, key=_key(request))
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/clarifying",
    response=ProposalOut,
    operation_id="open_clarifying_round",
)
def open_clarifying_round(request, proposal_id: int, payload: RoundIn):
    """Facilitator: open the clarifying-questions round (passing allowed)."""
    p = _get(request, proposal_id)
    services.open_clarifying(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/reactions",
    response=ProposalOut,
    operation_id="open_reactions_round",
)
def open_reactions_round(request, proposal_id: int, payload: RoundIn):
    """Facilitator: open the quick-reactions round (no passing)."""
    p = _get(request, proposal_id)
    services.open_reactions(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post("/proposals/{proposal_id}/rounds", response=ProposalOut, operation_id="open_round")
def open_round(request, proposal_id: int, payload: RoundIn):
    """Facilitator: another round of the current step."""
    p = _get(request, proposal_id)
    services.open_round(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/rounds/next", response=ProposalOut, operation_id="next_speaker"
)
def next_speaker(request, proposal_id: int):
    """Facilitator or current speaker: move an in-turn round on."""
    p = _get(request, proposal_id)
    services.next_speaker(proposal=p, by=request.user, key=_key(request))
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/rounds/close", response=ProposalOut, operation_id="close_round"
)
def close_round(request, proposal_id: int):
    """Facilitator: close the open round (a reveal round shows its answers)."""
    p = _get(request, proposal_id)
    services.close_round(proposal=p, by=request.user, key=_key(request))
    return _full(request, p)


@router.post("/proposals/{proposal_id}/answers", response=ProposalOut, operation_id="answer_round")
def answer_round(request, proposal_id: int, payload: AnswerIn):
    """A participant answers the open round for themself (consent, object with a
    reason, question, reaction, pass where allowed)."""
    p = _get(request, proposal_id)
    services.answer(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/answers/for",
    response=ProposalOut,
    operation_id="answer_round_for",
)
def answer_round_for(request, proposal_id: int, payload: AnswerForIn):
    """Facilitator: record the answer of a participant without a device (it is
    theirs; the round keeps who recorded it)."""
    p = _get(request, proposal_id)
    services.answer_for(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/questions/{response_id}/reply",
    response=ProposalOut,
    operation_id="reply_to_question",
)
def reply_to_question(request, proposal_id: int, response_id: int, payload: ReplyIn):
    """The author replies to a clarifying question."""
    p = _get(request, proposal_id)
    services.reply(
        proposal=p, by=request.user, response_id=response_id, text=payload.text, key=_key(request)
    )
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/revisions", response=ProposalOut, operation_id="amend_proposal"
)
def amend_proposal(request, proposal_id: int, payload: AmendIn):
    """Author or facilitator: a new revision with a note of what changed."""
    p = _get(request, proposal_id)
    services.amend(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/consent", response=ProposalOut, operation_id="open_consent_round"
)
def open_consent_round(request, proposal_id: int, payload: ConsentIn):
    """Facilitator: the consent round on a named revision (the latest)."""
    p = _get(request, proposal_id)
    services.open_consent_round(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/async-consent",
    response=ProposalOut,
    operation_id="open_async_consent",
)
def open_async_consent(request, proposal_id: int, payload: AsyncConsentIn):
    """Facilitator: open for consent until a deadline (answers hidden until it closes)."""
    p = _get(request, proposal_id)
    services.open_async_consent(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/acknowledge", response=ProposalOut, operation_id="acknowledge"
)
def acknowledge(request, proposal_id: int, payload: ReviewIn):
    """Facilitator: close the consent round; adopted if all consented, else objections."""
    p = _get(request, proposal_id)
    services.acknowledge(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post(
    "/proposals/{proposal_id}/objections/{objection_id}/resolve",
    response=ProposalOut,
    operation_id="resolve_objection",
)
def resolve_objection(request, proposal_id: int, objection_id: int, payload: ResolveIn):
    """Integrated by revision N or dropped (facilitator), or withdrawn (the objector)."""
    p = _get(request, proposal_id)
    services.resolve_objection(
        proposal=p, by=request.user, objection_id=objection_id, key=_key(request), **payload.dict()
    )
    return _full(request, p)


@router.post("/proposals/{proposal_id}/adopt", response=ProposalOut, operation_id="adopt_proposal")
def adopt_proposal(request, proposal_id: int, payload: ReviewIn):
    """Facilitator: adopt once every objection is withdrawn or dropped."""
    p = _get(request, proposal_id)
    services.adopt(proposal=p, by=request.user, key=_key(request), **payload.dict())
    return _full(request, p)


@router.post("/proposals/{proposal_id}/withdraw", response=ProposalOut, operation_id="withdraw")
def withdraw(request, proposal_id: int, payload: ReasonIn):
    """Facilitator or author: withdraw, with a reason."""
    p = _get(request, proposal_id)
    services.withdraw(proposal=p, by=request.user, key=_key(request), reason=payload.reason)
    return _full(request, p)


@router.post("/proposals/{proposal_id}/defer", response=ProposalOut, operation_id="defer")
def defer(request, proposal_id: int, payload: ReasonIn):
    """Facilitator: defer, with a reason."""
    p = _get(request, proposal_id)
    services.defer(proposal=p, by=request.user, key=_key(request), reason=payload.reason)
    return _full(request, p)


@router.post("/proposals/{proposal_id}/step-back", response=ProposalOut, operation_id="step_back")
def step_back(request, proposal_id: int, payload: ReasonIn):
    """Facilitator: go back one step, with a recorded reason."""
    p = _get(request, proposal_id)
    services.step_back(proposal=p, by=request.user, key=_key(request), reason=payload.reason)
    return _full(request, p)
