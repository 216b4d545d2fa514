"""Pages of selections. Thin: parse, call one service or selector, render.

Every action is a plain POST that redirects back to the page; with htmx the
same POST answers with the ``#election`` fragment. A refused action comes back
as a form error (nothing changed), never a traceback.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import selectors as circle_selectors
from core import sheets as core_sheets
from core.errors import DomainError, Invalid
from core.steps import parse_input, run
from elections import forms, page, room, selectors, services
from elections import sheets as round_sheets
from elections.steps import OPEN, STEPS


def _org(request, slug):
    organization = circle_selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _election(request, org, pk, *, related=selectors.RELATED):
    election = selectors.readable_election_or_none(request.user, org, pk, related=related)
    if election is None:
        raise Http404
    # What a broadcast handed over earlier in this thread belongs to another
    # request: this request's action hands over its own (``election_action``).
    room.forget()
    return election


def _key(data):
    return data.get("idempotency_key") or None


def election(request, org, pk):
    election = _election(request, org, pk)
    return render(request, "elections/election.html", page.page_context(request.user, election))


@login_required
def sheets(request, org, pk):
    """The round sheets still to come, to print (or ``?format=pdf``)."""
    election = _election(request, org, pk)
    return core_sheets.respond(
        request,
        round_sheets.sheets_of(election),
        organization=election.circle.organization,
        title=str(election),
        back_url=election.get_absolute_url(),
        filename=f"{election.circle.organization.slug}-selection-{election.pk}-rounds.pdf",
        as_pdf=request.GET.get("format") == "pdf",
    )


@login_required
@require_POST
def election_action(request, org, pk, step):
    """Take any step of the table; its input is read by the step's schema.
    The service reads the selection again, locked; the answer shows it as the
    action left it."""
    election = _election(request, org, pk, related=("circle", "circle__organization"))
    step = STEPS.by_url.get(step)
    if step is None:
        raise Http404
    failed = error = None
    try:
        run(
            STEPS,
            step.name,
            election,
            by=request.user,
            key=_key(request.POST),
            data=request.POST,
        )
    except DomainError as exc:
        error = exc
        form = forms.form_class(step)(request.POST, people=selectors.participants_for(election))
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        failed = (step.name, form)
    # The selection as this action left it: what its own broadcast read on
    # commit, in this thread (a refused or replayed action broadcast nothing),
    # else read again.
    data = room.take_over(election.pk) if failed is None else None
    if failed is None and not request.htmx:
        return HttpResponseRedirect(election.get_absolute_url())
    if data is not None:
        election = data.election
    else:
        election = selectors.election_or_none(election.circle.organization, election.pk)
    if request.htmx:
        return render(
            request,
            room.answer_template(request),
            page.page_context(request.user, election, failed, data=data),
        )
    for message in failed[1].non_field_errors():
        messages.error(request, message)
    return render(
        request,
        "elections/election.html",
        page.page_context(request.user, election, failed),
        status=error.status,
    )


def election_list(request, org):
    organization = _org(request, org)
    return render(
        request,
        "elections/list.html",
        {
            "organization": organization,
            "open": selectors.elections_of(organization, open_only=True),
            "closed": selectors.elections_of(organization).exclude(
                pk__in=selectors.elections_of(organization, open_only=True)
            )[:30],
            "terms": circle_selectors.terms_ending(organization),
        },
    )


@login_required
def election_new(request, org):
    organization = _org(request, org)
    roles = selectors.roles_open_to(request.user, organization)
    form = forms.OpenElectionForm(
        request.POST or None, roles=roles, initial={"role": request.GET.get("role")}
    )
    if request.method == "POST":
        try:
            data = parse_input(OPEN, request.POST)
            role = circle_selectors.role_or_none(organization, data.pop("role"))
            if role is None:
                raise Invalid(_("Choose a role."), field="role")
            created = services.open_election(
                role=role, by=request.user, key=_key(request.POST), **data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return HttpResponseRedirect(created.get_absolute_url())
    return render(
        request,
        "elections/new.html",
        {
            "organization": organization,
            "form": form,
            "list_url": reverse("elections:list", kwargs={"org": organization.slug}),
        },
        status=400 if form.errors else 200,
    )
