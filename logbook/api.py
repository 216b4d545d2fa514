"""The decision log over JSON: list (same filters and keyset pagination as the
page), search, one entry, export, verify, check a kept copy.

Anonymous callers are let in (``_anyone``) so that a public log can be read
without a token; visibility is still decided by ``can_read_log``: a private
log answers 404 to outsiders, as the pages do.
"""

from datetime import date, datetime

from django.http import Http404
from ninja import Body, Router, Schema

from accounts.api_auth import token_or_session
from core.errors import Invalid
from core.schemas import one_of
from decisions.copies import check_copy
from decisions.models import Decision
from logbook import exports, search, selectors
from logbook.models import DecisionPerson


def _anyone(request):
    return True


router = Router(tags=["decisions"], auth=[*token_or_session, _anyone])


class DecisionOut(Schema):
    sequence: int
    kind: one_of(Decision.Kind)
    title: str
    body: str
    circle: str | None
    decided_at: datetime
    review_date: date | None
    term_end: date | None
    supersedes: int | None
    superseded_by: int | None
    record: dict
    prev_hash: str
    hash: str
    url: str


class PageOut(Schema):
    items: list[DecisionOut]
    next_before: int | None


class HitOut(Schema):
    decision: DecisionOut
    rank: float
    snippet: str


class VerificationOut(Schema):
    ok: bool
    count: int
    head_sequence: int
    head_hash: str
    first_bad: int | None
    problem: str


class CopyCheckOut(Schema):
    ok: bool
    entries: int
    head_sequence: int
    first_bad: int | None
    problem: str


def _organization(request, org: str):
    organization = selectors.readable_log_or_none(request.user, org)
    if organization is None:
        raise Http404
    return organization


def _out(organization, d: Decision) -> dict:
    return {
        "sequence": d.sequence,
        "kind": d.kind,
        "title": d.title,
        "body": d.body,
        "circle": d.circle.slug if d.circle_id else None,
        "decided_at": d.decided_at,
        "review_date": d.review_date,
        "term_end": d.term_end,
        "supersedes": d.supersedes.sequence if d.supersedes_id else None,
        "superseded_by": getattr(d, "successor", None),
        "record": d.record if isinstance(d.record, dict) else {},
        "prev_hash": d.prev_hash,
        "hash": d.hash,
        "url": selectors.permalink(organization, d.sequence),
    }


def _filters(keys) -> dict:
    """The log's filters as documented query parameters: the keys that
    ``selectors.parse_filters`` accepts (``keys``), in the order below."""
    string = {"type": "string"}
    specs = {
        "q": (string, "The words to find."),
        "circle": (string, "A circle's slug: its decisions (and its sub-circles')."),
        "subcircles": ({"type": "string", "enum": ["0", "1"]}, "0: the circle alone."),
        "kind": ({"type": "string", "enum": Decision.Kind.values}, "The kind of decision."),
        "from": ({"type": "string", "format": "date"}, "Decided on or after (YYYY-MM-DD)."),
        "to": ({"type": "string", "format": "date"}, "Decided on or before (YYYY-MM-DD)."),
        "person": ({"type": "integer"}, "A person's user id (see role)."),
        "role": (
            {"type": "string", "enum": DecisionPerson.Role.values},
            "How the person is named: took part, objected, was selected, acted.",
        ),
        "status": (
            {"type": "string", "enum": [v for v, _label in selectors.Status.choices]},
            "In force, superseded, due for review within 30 days, review overdue.",
        ),
        "before": ({"type": "integer"}, "Paging: entries numbered below this (next_before)."),
        "limit": ({"type": "integer"}, "Entries per page (at most 100)."),
    }
    return {
        "parameters": [
            {"in": "query", "name": k, "required": False, "schema": specs[k][0],
             "description": specs[k][1]}
            for k in specs if k in keys
        ]
    }  # fmt: skip


@router.get(
    "/orgs/{org}/decisions",
    response=PageOut,
    operation_id="list_decisions",
    summary="The log, newest first, filtered; page on with ?before=<next_before>",
    openapi_extra=_filters(selectors.FILTER_KEYS | selectors.PAGING_KEYS),
)
def list_decisions(request, org: str):
    """Filters: circle (slug), subcircles (0/1), kind, from, to (YYYY-MM-DD),
    person (user id), role, status (in_force, superseded, due, overdue); paging:
    before (sequence), limit (at most 100)."""
    organization = _organization(request, org)
    filters = selectors.parse_filters(organization, request.GET)
    page = selectors.log_page(organization, filters)
    return {
        "items": [_out(organization, d) for d in page.entries],
        "next_before": page.next_before,
    }


@router.get(
    "/orgs/{org}/decisions/search",
    response=list[HitOut],
    operation_id="search_decisions",
    summary="Full-text search of the log (best matches first)",
    openapi_extra=_filters(selectors.SEARCH_KEYS - {"q"}),
)
def search_decisions(request, org: str, q: str = ""):
    organization = _organization(request, org)
    params = {k: v for k, v in request.GET.items() if k != "q"}
    filters = selectors.parse_filters(organization, params, allowed=selectors.SEARCH_KEYS)
    hits = search.search(organization, q, filters)
    return [
        {
            "decision": _out(organization, hit.decision),
            "rank": hit.rank,
            "snippet": "".join(text for _marked, text in hit.snippet),
        }
        for hit in hits
    ]


@router.get(
    "/orgs/{org}/decisions/export",
    operation_id="export_decisions",
    summary="The whole log as JSON with every hash and the head hash",
)
def export_decisions(request, org: str, circle: str = ""):
    organization = _organization(request, org)
    circle_obj = None
    if circle:
        circle_obj = selectors.circle_or_none(organization, circle)
        if circle_obj is None:
            raise Invalid("There is no such circle.", field="circle")
    kwargs = {"circle": circle_obj}
    if circle_obj is not None:
        kwargs["circle_filters"] = selectors.parse_filters(organization, {}, circle=circle_obj)
    return exports.json_document(organization, **kwargs)


@router.get(
    "/orgs/{org}/decisions/verify",
    response=VerificationOut,
    operation_id="verify_decisions",
    summary="Recompute every hash of the log now",
)
def verify_decisions(request, org: str):
    organization = _organization(request, org)
    result, _checked = selectors.fresh_verification(organization)
    return {
        "ok": result.ok,
        "count": result.count,
        "head_sequence": result.head_sequence,
        "head_hash": result.head_hash,
        "first_bad": result.first_bad,
        "problem": result.problem,
    }


@router.post(
    "/orgs/{org}/decisions/verify-copy",
    response=CopyCheckOut,
    operation_id="verify_decisions_copy",
    summary="Does the live log still contain this JSON export unchanged?",
)
def verify_copy(request, org: str, payload: Body[dict]):
    organization = _organization(request, org)
    result = check_copy(organization, payload)
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head_sequence": result.head_sequence,
        "first_bad": result.first_bad,
        "problem": result.problem,
    }


@router.get(
    "/orgs/{org}/decisions/{seq}",
    response=DecisionOut,
    operation_id="get_decision",
    summary="One decision by its sequence number",
)
def get_decision(request, org: str, seq: int):
    organization = _organization(request, org)
    decision = selectors.decision_or_none(organization, seq)
    if decision is None:
        raise Http404
    return _out(organization, decision)
