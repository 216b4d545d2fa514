"""The log pages: thin views over logbook.selectors, search, exports, feeds.

Every view resolves the organization through ``readable_log_or_none``: an
outsider or an anonymous visitor of a private log gets a 404, the same as for
an organization that does not exist. Feeds and exports also accept a member's
private token (``?token=…``) so a feed reader or a calendar can fetch them.
"""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from circles import selectors as circle_selectors
from core import recipients
from core.errors import DomainError
from decisions.copies import check_copy
from decisions.models import Decision
from logbook import corrections, exports, feeds, pdf, search, selectors
from logbook.models import DecisionPerson


def _readable(request, org: str):
    organization = selectors.readable_log_or_none(request.user, org)
    if organization is None:
        raise Http404(_("No such log."))
    return organization


def _circle(organization, slug: str):
    circle = selectors.circle_or_none(organization, slug)
    if circle is None:
        raise Http404(_("No such circle."))
    return circle


def _feed_organization(request, org: str):
    """The organization for a feed or export: a reader, or a valid private token."""
    organization = selectors.readable_log_or_none(request.user, org)
    if organization is not None:
        return organization
    candidate = selectors.organization_or_none(org)
    token = request.GET.get("token", "")
    if candidate is not None and selectors.user_for_feed_token(candidate, token) is not None:
        return candidate
    # The same answer for an unknown organization, a private one and a revoked
    # token: nothing tells an outsider that the log exists.
    raise Http404(_("This private link is unknown or was revoked."))


def _feed_reader(request, organization):
    """Whom a feed or an export is for: the owner of the private link it was
    fetched with (a calendar app names no one, and asks for its own language
    or none), else the signed-in reader; None when no one is known."""
    token = request.GET.get("token", "")
    if token:
        person = selectors.user_for_feed_token(organization, token)
        if person is not None:
            return person
    user = request.user
    return user if user.is_authenticated else None


def _feed_language(request, organization) -> tuple[str, str]:
    """(language, zone) a feed is written in: its reader's (``_feed_reader``),
    else the organization's language (which its Atom feed declares), for
    everyone who reads a public log's feed without being known."""
    person = _feed_reader(request, organization)
    if person is not None:
        return recipients.language_of(person), recipients.zone_of(person)
    return organization.language or settings.LANGUAGE_CODE, settings.TIME_ZONE


def _written(chunks, language: str, zone: str):
    """``chunks`` produced in ``language`` and ``zone``: a streamed body is
    produced after the view has returned and its middleware has restored
    the site's zone, so each chunk is made under the reader's own."""
    chunks = iter(chunks)
    while True:
        with translation.override(language), timezone.override(zone):
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


def _is_member(request, organization) -> bool:
    return circle_selectors.is_org_member(request.user, organization)


def _review_url(organization, decision) -> str | None:
    """ "Start a review" opens a proposal amending the policy, once proposals has the page."""
    if decision.circle_id is None:
        return None
    try:
        url = reverse("proposals:create", kwargs={"org": organization.slug})
    except NoReverseMatch:
        return None
    return f"{url}?circle={decision.circle.slug}&amends={decision.sequence}"


# The log -----------------------------------------------------------------------


def log(request, org: str, circle: str | None = None):
    organization = _readable(request, org)
    circle_obj = _circle(organization, circle) if circle else None
    error, error_field = None, None
    # What the reader sent, shown back in the filter fields as typed (a bad
    # date range keeps both dates so they can be corrected).
    sent = {k: (request.GET.get(k) or "").strip()[:60] for k in selectors.FILTER_KEYS}
    try:
        filters = selectors.parse_filters(organization, request.GET, circle=circle_obj)
        page = selectors.log_page(organization, filters)
    except DomainError as exc:
        error, error_field = exc.message, getattr(exc, "field", None)
        filters = selectors.LogFilters(circle=circle_obj)
        page = selectors.LogPage(entries=[], next_before=None, filters=filters)
    next_query = {**filters.as_query(), "before": page.next_before} if page.next_before else None
    if circle_obj is not None and next_query:
        next_query.pop("circle", None)
    export_query = filters.as_query()
    if circle_obj is not None:
        export_query.pop("circle", None)
    context = {
        "organization": organization,
        "circle": circle_obj,
        "page": page,
        "filters": filters,
        "sent": sent,
        "error": error,
        "error_field": error_field,
        "export_query": urlencode(export_query),
        "next_query": next_query,
        "kinds": Decision.Kind.choices,
        "statuses": selectors.status_choices(),
        "roles": DecisionPerson.Role.choices,
        "is_member": _is_member(request, organization),
    }
    if request.htmx and request.GET.get("before"):
        return render(request, "logbook/log.html#entries", context)
    verification, checked_at = selectors.cached_verification(organization)
    context.update(
        {
            "verification": verification,
            "checked_at": checked_at,
            "circles": selectors.circle_selectors.circles_of(organization),
            "members": circle_selectors.org_members(organization) if context["is_member"] else [],
            "tokens": selectors.feed_tokens(request.user, organization),
        }
    )
    return render(request, "logbook/log.html", context)


def entry_context(request, org: str, seq: int) -> dict:
    organization = _readable(request, org)
    decision = selectors.decision_or_none(organization, seq)
    if decision is None:
        raise Http404(_("No such decision."))
    replaced = selectors.replaced_text(decision)
    return {
        "organization": organization,
        "d": decision,
        # Fields by name (logbook.records): a dict would answer ``record.items``
        # with its own method.
        "record": selectors.entry_record(decision),
        "changes": selectors.record_changes(decision),
        "agenda": selectors.minutes_items(decision),
        "replaced": replaced,
        "diff": selectors.text_diff(replaced.body, decision.body) if replaced else [],
        "successors": selectors.successors(decision),
        "can_supersede": corrections.can_supersede(request.user, decision),
        "review_url": _review_url(organization, decision)
        if _is_member(request, organization)
        else None,
    }


def detail(request, org: str, seq: int):
    return render(request, "logbook/detail.html", entry_context(request, org, seq))


@require_safe
def entry_pdf(request, org: str, seq: int):
    """The entry (the minutes of a meeting above all) as a PDF to hand out."""
    return pdf.entry_response(entry_context(request, org, seq))


def search_view(request, org: str):
    organization = _readable(request, org)
    query = search.clean_query(request.GET.get("q", ""))
    error, hits, message = None, [], None
    try:
        params = {k: v for k, v in request.GET.items() if k != "q"}
        filters = selectors.parse_filters(organization, params, allowed=selectors.SEARCH_KEYS)
        if query and not search.has_words(query):
            message = _("Type at least one word or number to search.")
        elif query:
            hits = search.search(organization, query, filters)
    except DomainError as exc:
        error = exc.message
    context = {
        "organization": organization,
        "query": query,
        "hits": hits,
        "error": error,
        "message": message,
        "max_results": search.MAX_RESULTS,
        "kinds": Decision.Kind.choices,
    }
    if request.htmx:
        return render(request, "logbook/search.html#results", context)
    return render(request, "logbook/search.html", context)


def due(request, org: str, circle: str | None = None):
    organization = _readable(request, org)
    circle_obj = _circle(organization, circle) if circle else None
    entries = list(selectors.due_entries(organization, circle=circle_obj))
    return render(
        request,
        "logbook/due.html",
        {
            "organization": organization,
            "circle": circle_obj,
            "entries": entries,
            "today": circle_selectors.today(),
            "within": selectors.DUE_WITHIN_DAYS,
        },
    )


def policies(request, org: str, circle: str):
    """A circle's policy book: the policies in force by domain, with their
    measures, their review date and the review action (for members)."""
    organization = _readable(request, org)
    circle_obj = _circle(organization, circle)
    book = selectors.policy_book(circle_obj)
    member = _is_member(request, organization)
    for group in book:
        for decision in group["policies"]:
            decision.review_url = _review_url(organization, decision) if member else None
    return render(
        request,
        "logbook/policies.html",
        {
            "organization": organization,
            "circle": circle_obj,
            "book": book,
            "count": sum(len(g["policies"]) for g in book),
            "within": selectors.DUE_WITHIN_DAYS,
        },
    )


def verify(request, org: str):
    """Run the full check of the chain now; optionally check a kept JSON export."""
    organization = _readable(request, org)
    copy_result, copy_error = None, None
    if request.method == "POST":
        upload = request.FILES.get("copy")
        try:
            document = json.load(upload) if upload else None
        except (ValueError, UnicodeDecodeError):
            document = None
        if document is None:
            copy_error = _("Choose a JSON export of this log.")
        else:
            copy_result = check_copy(organization, document)
    verification, checked_at = selectors.fresh_verification(organization)
    return render(
        request,
        "logbook/verify.html",
        {
            "organization": organization,
            "verification": verification,
            "checked_at": checked_at,
            "copy_result": copy_result,
            "copy_error": copy_error,
        },
    )


# Corrections -------------------------------------------------------------------


def supersede(request, org: str, seq: int):
    organization = _readable(request, org)
    decision = selectors.decision_or_none(organization, seq)
    if decision is None:
        raise Http404(_("No such decision."))
    error = None
    values = {"title": "", "body": decision.body, "reason": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "body", "reason")}
        try:
            new = corrections.supersede(
                decision=decision,
                by=request.user,
                reason=values["reason"],
                title=values["title"],
                body=values["body"],
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Decision #%(seq)d now supersedes #%(old)d.") % {
                "seq": new.sequence, "old": decision.sequence})  # fmt: skip
            return redirect(selectors.permalink(organization, new.sequence))
    elif not corrections.can_supersede(request.user, decision):
        raise Http404(_("No such page."))
    return render(
        request,
        "logbook/supersede.html",
        {"organization": organization, "d": decision, "error": error, "values": values},
        status=400 if error else 200,
    )


# Private links -------------------------------------------------------------------


@login_required
@require_POST
def create_link(request, org: str):
    organization = _readable(request, org)
    try:
        _token, raw = feeds.create_feed_token(user=request.user, organization=organization)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("logbook:log", org=organization.slug)
    base = request.build_absolute_uri(reverse("logbook:log", kwargs={"org": organization.slug}))
    return render(
        request,
        "logbook/link_created.html",
        {"organization": organization, "raw": raw, "base": base},
    )


@login_required
@require_POST
def revoke_link(request, org: str, token_id: int):
    organization = _readable(request, org)
    try:
        feeds.revoke_feed_token(user=request.user, organization=organization, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The private link was revoked; it no longer opens anything."))
    return redirect("logbook:log", org=organization.slug)


# Exports and feeds -------------------------------------------------------------------


_EXPORTS = {
    "json": ("application/json; charset=utf-8", exports.json_chunks),
    "csv": ("text/csv; charset=utf-8", exports.csv_chunks),
    "md": ("text/markdown; charset=utf-8", exports.markdown_chunks),
}


def export(request, org: str, fmt: str, circle: str | None = None):
    """The log as a file, with the filters of the page it was asked from.

    The log page's export links carry its query (circle, kind, dates, person,
    status), so what is downloaded is what the reader is looking at.
    """
    organization = _feed_organization(request, org)
    if fmt not in _EXPORTS:
        raise Http404(_("Unknown export format."))
    circle_obj = _circle(organization, circle) if circle else None
    content_type, produce = _EXPORTS[fmt]
    params = {k: v for k, v in request.GET.items() if k != "token"}
    try:
        filters = selectors.parse_filters(
            organization, params, circle=circle_obj, allowed=selectors.FILTER_KEYS
        )
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    kwargs = {"circle_filters": filters}
    if fmt in ("json", "md"):
        kwargs["circle"] = circle_obj
    person = _feed_reader(request, organization)
    if person is not None:
        language, zone = recipients.language_of(person), recipients.zone_of(person)
    else:  # a visitor of a public log, in the language their browser asked for
        language, zone = translation.get_language(), timezone.get_current_timezone_name()
    response = StreamingHttpResponse(
        _written(produce(organization, **kwargs), language, zone), content_type=content_type
    )
    name = organization.slug + (f"-{circle_obj.slug}" if circle_obj else "")
    response["Content-Disposition"] = f'attachment; filename="{name}-decisions.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


def feed(request, org: str, circle: str | None = None):
    organization = _feed_organization(request, org)
    circle_obj = _circle(organization, circle) if circle else None
    link = (
        reverse("logbook:circle_log", kwargs={"org": org, "circle": circle})
        if circle_obj
        else reverse("logbook:log", kwargs={"org": org})
    )
    language, zone = _feed_language(request, organization)
    with translation.override(language), timezone.override(zone):
        body = feeds.atom_feed(organization, circle=circle_obj, link=link, feed_url=request.path)
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def my_calendar(request, org: str):
    """One person's calendar: the meetings, reviews and term ends of the
    circles they belong to now (as themselves, or through their private link)."""
    organization = selectors.organization_or_none(org)
    person = None
    if organization is not None:
        if _is_member(request, organization):
            person = request.user
        else:
            person = selectors.user_for_feed_token(organization, request.GET.get("token", ""))
    if person is None:
        raise Http404(_("This private link is unknown or was revoked."))
    circle_ids = [
        m.circle_id for m in circle_selectors.person_circles(person, organization) if m.left is None
    ]
    with recipients.writing_to(person):  # the calendar app asks for no language
        body = feeds.icalendar(organization, circle_ids=circle_ids, person=person)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{organization.slug}-mine.ics"'
    return response


def calendar(request, org: str, circle: str | None = None):
    organization = _feed_organization(request, org)
    circle_obj = _circle(organization, circle) if circle else None
    language, zone = _feed_language(request, organization)
    with translation.override(language), timezone.override(zone):
        body = feeds.icalendar(organization, circle=circle_obj)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{organization.slug}-reviews.ics"'
    return response
