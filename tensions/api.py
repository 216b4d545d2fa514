"""Tensions as JSON: a circle's backlog, raise, one tension with its history,
and its steps (forward, take, answer), generated from ``tensions.steps``.

Thin: the same selectors and services as the pages. Send an
``Idempotency-Key`` header with each action. An organization, circle or
tension the caller may not see answers 404.
"""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accounts.records import person
from accounts.schemas import PersonOut
from circles import selectors as circle_selectors
from core.errors import Invalid
from core.schemas import IDEMPOTENT, idempotency_key, one_of
from core.steps import parse_input, run
from tensions import selectors, services, steps
from tensions.models import Tension, TensionEvent
from tensions.steps import STEPS, RaiseIn

router = Router(tags=["tensions"])


class TensionEventOut(Schema):
    action: one_of(TensionEvent.Action)
    from_circle: str | None
    to_circle: str | None
    via_circle: str | None
    reason: str
    outcome: str
    by: PersonOut | None
    at: datetime


class TensionOut(Schema):
    id: int
    circle: str
    raised_on: str | None
    unsure: bool
    raised_by: PersonOut
    raised: datetime
    arrived: datetime
    title: str
    what_is: str
    what_should_be: str
    affected: str
    state: one_of(Tension.State)
    outcome: str
    proposal: int | None
    election: int | None
    agenda_item: int | None
    answer: str
    allowed_steps: list[str]


class TensionDetailOut(TensionOut):
    history: list[TensionEventOut]


def _slug(circle):
    return circle.slug if circle is not None else None


def _out(tension, user) -> dict:
    return {
        "id": tension.pk,
        "circle": tension.circle.slug,
        "raised_on": _slug(tension.raised_on),
        "unsure": tension.unsure,
        "raised_by": person(tension.raised_by),
        "raised": tension.raised,
        "arrived": tension.arrived,
        "title": tension.title,
        "what_is": tension.what_is,
        "what_should_be": tension.what_should_be,
        "affected": tension.affected,
        "state": tension.state,
        "outcome": tension.outcome,
        "proposal": tension.proposal_id,
        "election": tension.election_id,
        "agenda_item": tension.agenda_item_id,
        "answer": tension.answer,
        "allowed_steps": steps.allowed(tension, user),
    }


def _detail(tension, user) -> dict:
    return {
        **_out(tension, user),
        "history": [
            {
                "action": e.action,
                "from_circle": _slug(e.from_circle),
                "to_circle": _slug(e.to_circle),
                "via_circle": _slug(e.via_circle),
                "reason": e.reason,
                "outcome": e.outcome,
                "by": person(e.by),
                "at": e.at,
            }
            for e in selectors.history(tension)
        ],
    }


def _org(request, org):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    return organization


def _tension(request, org, tension_id):
    tension = selectors.tension_or_none(_org(request, org), tension_id)
    if tension is None:
        raise Http404
    return tension


@router.get(
    "/orgs/{org}/circles/{circle}/tensions",
    response=list[TensionOut],
    operation_id="list_circle_tensions",
    description="The circle's backlog: its open tensions, the oldest arrival first.",
)
def list_circle_tensions(request, org: str, circle: str):
    found = circle_selectors.circle_or_none(_org(request, org), circle)
    if found is None:
        raise Http404
    return [_out(t, request.user) for t in selectors.backlog(found)]


@router.get(
    "/orgs/{org}/tensions",
    response=list[TensionOut],
    operation_id="list_tensions",
    description="The organization's tensions, newest first; `mine`: those the caller raised.",
)
def list_tensions(request, org: str, mine: bool = False, open_only: bool = False):
    organization = _org(request, org)
    return [
        _out(t, request.user)
        for t in selectors.tensions_of(
            organization, raised_by=request.user if mine else None, open_only=open_only
        )[:200]
    ]


@router.get(
    "/orgs/{org}/tensions/{tension_id}",
    response=TensionDetailOut,
    operation_id="get_tension",
)
def get_tension(request, org: str, tension_id: int):
    return _detail(_tension(request, org, tension_id), request.user)


@router.post(
    "/orgs/{org}/tensions",
    response={201: TensionDetailOut},
    operation_id="raise_tension",
    summary=STEPS["raise"].summary,
    openapi_extra=IDEMPOTENT,
)
def raise_tension(request, org: str, payload: RaiseIn):
    organization = _org(request, org)
    data = parse_input(STEPS["raise"], payload.dict())
    slug = data.pop("circle", None)
    circle = None
    if slug:
        circle = circle_selectors.circle_or_none(organization, slug)
        if circle is None:
            raise Invalid(_("Choose a circle of this organization."), field="circle")
    tension = services.raise_tension(
        organization=organization,
        circle=circle,
        by=request.user,
        key=idempotency_key(request),
        **data,
    )
    tension = selectors.tension_or_none(organization, tension.pk)
    return Status(201, _detail(tension, request.user))


def _route(step):
    schema = step.input

    def endpoint(request, org: str, tension_id: int, payload: schema):
        tension = _tension(request, org, tension_id)
        run(
            STEPS,
            step.name,
            tension,
            by=request.user,
            key=idempotency_key(request),
            data=payload.dict(),
        )
        return _detail(selectors.tension_or_none(tension.organization, tension.pk), request.user)

    endpoint.__name__ = step.extra["operation_id"]
    router.post(
        "/orgs/{org}/tensions/{tension_id}/" + step.url,
        response=TensionDetailOut,
        operation_id=step.extra["operation_id"],
        summary=step.summary,
        openapi_extra=IDEMPOTENT,
    )(endpoint)


for _step in steps.ACTIONS:
    _route(_step)
