"""Pages of the consent process. Thin: parse, call one service or selector,
render. Every step of the table (``proposals.steps.STEPS``) is one plain POST
to ``<proposal>/do/<the step's URL segment>/``, taken by :func:`act`, which
parses the form with the step's schema and calls its service; it redirects
back to the proposal, or with htmx answers with the process section. A
refused step comes back as a message (or a form error), never a traceback,
and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import selectors as circle_selectors
from core import sheets as core_sheets
from core.errors import DomainError
from core.idempotency import new_key
from core.steps import parse_input
from decisions.models import Decision
from proposals import room, selectors, services, steps
from proposals import sheets as round_sheets
from proposals.forms import ProposalForm


def _org(request, slug):
    organization = circle_selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _proposal(request, org, pk, *, related=selectors.RELATED):
    """The proposal, if the viewer may read its organization (else 404): one
    query for both (``circles.selectors.read_in``)."""
    proposal = selectors.readable_proposal_in(request.user, org, pk, related=related)
    if proposal is None:
        raise Http404
    # What a broadcast handed over earlier in this thread belongs to another
    # request: this request's action hands over its own (``_done``).
    room.forget()
    return proposal


def _url(proposal) -> str:
    return reverse(
        "proposals:detail", kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk}
    )


def _done(
    request,
    proposal,
    error: DomainError | None = None,
    success: str = "",
    sent: dict | None = None,
):
    """After an action: the process section for htmx, else back to the page.

    A refused answer (``sent``: what the person sent) comes back in its form
    as it was sent: with htmx in the section, without it as the whole page
    (400), never through a redirect that would lose it.
    """
    if request.htmx:
        # The process as this request's own broadcast read it on commit,
        # after the action's last write (its proposal row included), or a
        # fresh read.
        data = room.take_over(proposal.pk) if error is None else None
        if data is not None:
            fresh = data["proposal"]
            if fresh.author_id == proposal.author_id:  # an author never changes
                fresh.author = proposal.author
            proposal = fresh
        else:
            proposal.refresh_from_db()
        context = selectors.page_context(
            request.user,
            proposal,
            data=data,
            sent=sent,
            action_error=error,
            action_success=success,
        )
        response = render(request, room.answer_template(request), context)
        if error is not None:
            # The section still swaps in, showing the message; nothing changed.
            response["HX-Reswap"] = "outerHTML"
        return response
    if error is not None and sent is not None:
        proposal.refresh_from_db()
        context = selectors.page_context(request.user, proposal, sent=sent, action_error=error)
        return render(request, "proposals/detail.html", context, status=400)
    if error is not None:
        messages.error(request, error.message)
    elif success:
        messages.success(request, success)
    return HttpResponseRedirect(_url(proposal) + "#proposal-process")


# Lists and forms ------------------------------------------------------------------


def proposal_list(request, org, circle):
    organization = _org(request, org)
    circle_obj = circle_selectors.circle_or_none(organization, circle)
    if circle_obj is None:
        raise Http404
    return render(
        request,
        "proposals/list.html",
        {
            "organization": organization,
            "circle": circle_obj,
            "proposals": selectors.proposals_of(circle_obj),
            "can_propose": circle_selectors.can_take_part(request.user, circle_obj),
        },
    )


@login_required
def create(request, org):
    organization = _org(request, org)
    circle = circle_selectors.circle_or_none(
        organization, request.GET.get("circle") or request.POST.get("circle") or ""
    )
    if circle is None:
        raise Http404
    amends = None
    raw_amends = request.GET.get("amends") or request.POST.get("amends")
    if raw_amends:
        amends = Decision.objects.filter(
            organization=organization, sequence=raw_amends if raw_amends.isdigit() else -1
        ).first()
        if amends is None:
            raise Http404
    initial = {"idempotency_key": new_key()}
    if amends is not None:
        # A review starts from the policy as it is: its text, measures and domain.
        initial.update(
            title=_("Review: %(title)s") % {"title": amends.title},
            body=amends.body,
            **selectors.review_prefill(amends),
        )
    form = ProposalForm(request.POST or None, initial=initial, circle=circle)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.create_proposal(
                circle=circle,
                by=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                review_date=form.cleaned_data["review_date"],
                amends=amends,
                measures=form.cleaned_data["measures"],
                domain=form.cleaned_data.get("domain", ""),
                key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your draft is saved. The facilitator presents it."))
            return HttpResponseRedirect(_url(proposal))
    return render(
        request,
        "proposals/form.html",
        {
            "form": form,
            "organization": organization,
            "circle": circle,
            "amends": amends,
        },
    )


@login_required
def edit(request, org, pk):
    proposal = _proposal(request, org, pk)
    revision = selectors.latest_revision(proposal)
    form = ProposalForm(
        request.POST or None,
        initial={
            "title": proposal.title,
            "body": revision.body if revision else "",
            "review_date": proposal.review_date,
            "measures": "\n".join(proposal.measures or []),
            "domain": proposal.domain,
            "idempotency_key": new_key(),
        },
        circle=proposal.circle,
    )
    if request.method == "POST" and form.is_valid():
        step = steps.STEPS["edit_draft"]
        try:
            values = parse_input(step, request.POST)
            if values.get("measures") is None:
                # The page always sends the measures box: emptied, it clears them.
                values["measures"] = []
            step.call()(
                proposal=proposal,
                by=request.user,
                key=form.cleaned_data["idempotency_key"],
                **values,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The draft is saved."))
            return HttpResponseRedirect(_url(proposal))
    return render(
        request,
        "proposals/form.html",
        {
            "form": form,
            "organization": proposal.circle.organization,
            "circle": proposal.circle,
            "proposal": proposal,
        },
    )


# The proposal page -------------------------------------------------------------------


def detail(request, org, pk):
    proposal = _proposal(request, org, pk)
    return render(request, "proposals/detail.html", selectors.page_context(request.user, proposal))


@login_required
def sheets(request, org, pk):
    """The round sheets still to come, to print (or ``?format=pdf``)."""
    proposal = _proposal(request, org, pk)
    return core_sheets.respond(
        request,
        round_sheets.sheets_of(proposal),
        organization=proposal.circle.organization,
        title=proposal.title,
        back_url=_url(proposal),
        filename=f"{proposal.circle.organization.slug}-proposal-{proposal.pk}-rounds.pdf",
        as_pdf=request.GET.get("format") == "pdf",
    )


def diff(request, org, pk):
    proposal = _proposal(request, org, pk)
    latest = selectors.latest_revision(proposal)
    a = request.GET.get("a") or max(latest.number - 1, 1)
    b = request.GET.get("b") or latest.number
    pair = selectors.revision_pair(proposal, a, b)
    if pair is None:
        messages.error(request, _("This proposal has no such revision."))
        return HttpResponseRedirect(_url(proposal))
    return render(
        request,
        "proposals/diff.html",
        {
            "proposal": proposal,
            "organization": proposal.circle.organization,
            "circle": proposal.circle,
            "a": pair[0],
            "b": pair[1],
            "pieces": selectors.diff(*pair),
            "revisions": selectors.revisions(proposal),
        },
    )


@require_POST
@login_required
def act(request, org, pk, segment):
    """Take the step whose URL segment is ``segment`` (answer, reply and
    resolve included): its schema parses the form, its service decides."""
    proposal = _proposal(request, org, pk, related=selectors.ACTING)
    found = steps.match(segment)
    if found is None:
        raise Http404
    step, ids = found
    try:
        step.call()(
            proposal=proposal,
            by=request.user,
            key=request.POST.get("idempotency_key"),
            **ids,
            **parse_input(step, request.POST),
        )
    except DomainError as exc:
        sent = None
        if step.name == "answer":
            sent = {k: request.POST.get(k, "") for k in ("kind", "text", "concern")}
        return _done(request, proposal, exc, sent=sent)
    done = step.extra.get("done") or _("Done: %(action)s.") % {"action": step.label}
    return _done(request, proposal, success=str(done))
