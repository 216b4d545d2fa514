"""The decision log over JSON: list (same filters and keyset pagination as the
page), search, one entry, every export of the page (JSON, CSV, Markdown, the
Atom feed, the iCalendar of review dates and term ends), verify, check a kept
copy, corrections (a new entry that supersedes one), and the caller's private
feed links.

Anonymous callers are let in (``_anyone``) so that a public log can be read
without a token; visibility is still decided by ``can_read_log``: a private
log answers 404 to outsiders, as the pages do, and its exports are read with
a token (``Authorization: Bearer``) or a session like every other operation.
"""

from datetime import date, datetime
from typing import Literal

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from accounts.api_auth import token_or_session
from core.errors import Invalid
from core.schemas import IDEMPOTENT, idempotency_key, one_of
from decisions.copies import check_copy
from decisions.models import Decision
from logbook import corrections, exports, feeds, pdf, search, selectors
from logbook.models import DecisionPerson
from logbook.views import entry_context


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


# Exports and feeds: the page's files, each a documented operation --------------------


def _export_filters(request, organization):
    """The page's export filters from the query (circle, kind, dates, person,
    role, status); an unknown one is refused by name."""
    return selectors.parse_filters(organization, request.GET, allowed=selectors.FILTER_KEYS)


def _file(media_type: str, description: str, schema=None) -> dict:
    """The document's entry for an operation that answers a file."""
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": schema or {"type": "string"}}},
            }
        },
        **_filters(selectors.FILTER_KEYS),
    }


def _attachment(response, organization, filters, ext: str):
    circle = filters.circle
    name = organization.slug + (f"-{circle.slug}" if circle is not None else "")
    response["Content-Disposition"] = f'attachment; filename="{name}-decisions.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/orgs/{org}/decisions/export",
    operation_id="export_decisions",
    summary="The log as JSON with every hash and the head hash (the page's filters)",
    openapi_extra=_file(
        "application/json",
        "The export: format, organization, circle, filters, exported_at, head "
        "{sequence, hash}, entries (each with prev_hash and hash; see VERIFY.md).",
        {"type": "object"},
    ),
)
def export_decisions(request, org: str):
    organization = _organization(request, org)
    filters = _export_filters(request, organization)
    return exports.json_document(organization, circle_filters=filters, circle=filters.circle)


@router.get(
    "/orgs/{org}/decisions/export.csv",
    operation_id="export_decisions_csv",
    summary="The log as CSV, one row a decision with its hashes (the page's filters)",
    openapi_extra=_file("text/csv", "The CSV file (UTF-8 with a byte-order mark)."),
)
def export_decisions_csv(request, org: str):
    organization = _organization(request, org)
    filters = _export_filters(request, organization)
    response = StreamingHttpResponse(
        exports.csv_chunks(organization, circle_filters=filters),
        content_type="text/csv; charset=utf-8",
    )
    return _attachment(response, organization, filters, "csv")


@router.get(
    "/orgs/{org}/decisions/export.md",
    operation_id="export_decisions_markdown",
    summary="The log as Markdown, minutes-style, with the head hash (the page's filters)",
    openapi_extra=_file("text/markdown", "The Markdown file."),
)
def export_decisions_markdown(request, org: str):
    organization = _organization(request, org)
    filters = _export_filters(request, organization)
    response = StreamingHttpResponse(
        exports.markdown_chunks(organization, circle_filters=filters, circle=filters.circle),
        content_type="text/markdown; charset=utf-8",
    )
    return _attachment(response, organization, filters, "md")


def _feed_circle(request, organization):
    """The one filter a feed takes: a circle (its own decisions)."""
    unknown = sorted(set(request.GET) - {"circle"})
    if unknown:
        raise Invalid(
            _("Unknown filter: %(names)s.") % {"names": ", ".join(k[:40] for k in unknown[:5])},
            code="unknown_filter",
        )
    slug = request.GET.get("circle", "")
    if not slug:
        return None
    circle = selectors.circle_or_none(organization, slug)
    if circle is None:
        raise Invalid(_("There is no circle “%(slug)s”.") % {"slug": slug[:60]}, field="circle")
    return circle


def _feed_doc(media_type: str, description: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": {"type": "string"}}},
            }
        },
        "parameters": [
            {
                "in": "query",
                "name": "circle",
                "required": False,
                "schema": {"type": "string"},
                "description": "A circle's slug: its decisions only.",
            }
        ],
    }


@router.get(
    "/orgs/{org}/decisions/feed.atom",
    operation_id="decisions_feed",
    summary="The Atom feed of the latest decisions",
    openapi_extra=_feed_doc("application/atom+xml", "The Atom feed."),
)
def decisions_feed(request, org: str):
    organization = _organization(request, org)
    circle = _feed_circle(request, organization)
    kwargs = {"org": organization.slug}
    if circle is not None:
        link = reverse("logbook:circle_log", kwargs={**kwargs, "circle": circle.slug})
    else:
        link = reverse("logbook:log", kwargs=kwargs)
    body = feeds.atom_feed(organization, circle=circle, link=link, feed_url=request.path)
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@router.get(
    "/orgs/{org}/decisions/calendar.ics",
    operation_id="decisions_calendar",
    summary="The iCalendar of review dates and term ends",
    openapi_extra=_feed_doc("text/calendar", "The iCalendar file."),
)
def decisions_calendar(request, org: str):
    organization = _organization(request, org)
    circle = _feed_circle(request, organization)
    response = HttpResponse(
        feeds.icalendar(organization, circle=circle), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{organization.slug}-reviews.ics"'
    return response


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
        "problem": result.message,  # in the caller's language, as verify-copy's
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
    "/orgs/{org}/decisions/{seq}.pdf",
    operation_id="get_decision_pdf",
    summary="One decision (the minutes of a meeting above all) as an A4 PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF, the same as the entry page's.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_decision_pdf(request, org: str, seq: int):
    # The entry page's own context and renderer: the file is the page's.
    return pdf.entry_response(entry_context(request, org, seq))


class PolicyOut(Schema):
    sequence: int
    title: str
    body: str
    domain: str | None
    measures: list[str]
    decided_at: datetime
    review_date: date | None
    #: ``in_force``, ``due`` (review within 30 days) or ``overdue``.
    status: Literal["in_force", "due", "overdue"]


class PolicyGroupOut(Schema):
    #: One of the circle's domains, or None for the policies of no domain (last).
    domain: str | None
    policies: list[PolicyOut]


@router.get(
    "/orgs/{org}/circles/{circle}/policies",
    response=list[PolicyGroupOut],
    operation_id="list_circle_policies",
    summary="A circle's policy book: its policies in force, grouped by domain",
)
def list_circle_policies(request, org: str, circle: str):
    """The same groups as the policy book page: the circle's domains in order,
    then "no domain"; each policy with its measures and review status."""
    organization = _organization(request, org)
    circle_obj = selectors.circle_or_none(organization, circle)
    if circle_obj is None:
        raise Http404
    return [
        {
            "domain": group["domain"],
            "policies": [
                {
                    "sequence": d.sequence,
                    "title": d.title,
                    "body": d.body,
                    "domain": d.domain,
                    "measures": d.measures,
                    "decided_at": d.decided_at,
                    "review_date": d.review_date,
                    "status": d.status,
                }
                for d in group["policies"]
            ],
        }
        for group in selectors.policy_book(circle_obj)
    ]


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


# Corrections -------------------------------------------------------------------------


class SupersedeIn(Schema):
    #: Why the entry is corrected (required; it goes into the new entry's record).
    reason: str = ""
    #: The new entry's title; empty: "Correction of #N: <old title>".
    title: str = ""
    #: The corrected text; absent: the old entry's text.
    body: str | None = None
    review_date: date | None = None
    term_end: date | None = None


@router.post(
    "/orgs/{org}/decisions/{seq}/supersede",
    response={201: DecisionOut},
    operation_id="supersede_decision",
    summary="Correct a decision: a new entry that supersedes it, with the reason",
    auth=token_or_session,
    openapi_extra=IDEMPOTENT,
)
def supersede_decision(request, org: str, seq: int, payload: SupersedeIn):
    """The circle's facilitator or leader, or an administrator, records a new
    entry that replaces decision ``seq`` (which stays as it was, marked
    superseded). An entry is superseded once: correct the newer entry after.
    A retry with the same Idempotency-Key answers with the entry recorded."""
    organization = _organization(request, org)
    decision = selectors.decision_or_none(organization, seq)
    if decision is None:
        raise Http404
    new = corrections.supersede(
        decision=decision, by=request.user, key=idempotency_key(request), **payload.dict()
    )
    return Status(201, _out(organization, selectors.decision_or_none(organization, new.sequence)))


# Private feed links ----------------------------------------------------------------


class FeedLinkOut(Schema):
    id: int
    created: datetime


class FeedLinkCreatedOut(FeedLinkOut):
    #: The secret, shown once: add ``?token=<token>`` to a feed or export address.
    token: str
    #: Each file of the log with the token in it, for a feed reader or a calendar.
    urls: dict[str, str]


def _link_urls(organization, raw: str) -> dict[str, str]:
    def url(name, **kw):
        return reverse(name, kwargs={"org": organization.slug, **kw}) + f"?token={raw}"

    return {
        "atom": url("logbook:feed"),
        "ical": url("logbook:calendar"),
        "json": url("logbook:export", fmt="json"),
        "csv": url("logbook:export", fmt="csv"),
        "md": url("logbook:export", fmt="md"),
    }


@router.get(
    "/orgs/{org}/feed-links",
    response=list[FeedLinkOut],
    operation_id="list_feed_links",
    summary="The caller's private feed links to this log (not revoked)",
    auth=token_or_session,
)
def list_feed_links(request, org: str):
    organization = _organization(request, org)
    return [
        {"id": t.pk, "created": t.created}
        for t in selectors.feed_tokens(request.user, organization)
    ]


@router.post(
    "/orgs/{org}/feed-links",
    response={201: FeedLinkCreatedOut},
    operation_id="create_feed_link",
    summary="A private link for feed readers and calendars (the secret is shown once)",
    auth=token_or_session,
)
def create_feed_link(request, org: str):
    """A member's private link: the log's Atom feed, iCalendar and exports
    open with ``?token=…`` where no header can be sent (a feed reader)."""
    organization = _organization(request, org)
    token, raw = feeds.create_feed_token(user=request.user, organization=organization)
    return Status(
        201,
        {
            "id": token.pk,
            "created": token.created,
            "token": raw,
            "urls": _link_urls(organization, raw),
        },
    )


@router.post(
    "/orgs/{org}/feed-links/{link_id}/revoke",
    response={204: None},
    operation_id="revoke_feed_link",
    summary="Revoke one of the caller's private links: it opens nothing any more",
    auth=token_or_session,
)
def revoke_feed_link(request, org: str, link_id: int):
    organization = _organization(request, org)
    feeds.revoke_feed_token(user=request.user, organization=organization, token_id=link_id)
    return Status(204, None)
