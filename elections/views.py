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
from core.errors import DomainError, Invalid
from elections import forms, selectors, services


def _org(request, slug):
    organization = circle_selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _election(request, org, pk):
    organization = _org(request, org)
    election = selectors.election_or_none(organization, pk)
    if election is None:
        raise Http404
    return election


def _person(election, raw):
    user = circle_selectors.org_person_or_none(election.circle.organization, int(raw))
    if user is None:
        raise Invalid(_("Choose a person of the circle."), field="nominee")
    return user


def _key(data):
    return data.get("idempotency_key") or None


# step -> (form class, call(election, user, cleaned data))
ACTIONS = {
    "set_term": (
        forms.TermForm,
        lambda e, u, d: services.set_term(
            election=e,
            by=u,
            term_start=d["term_start"],
            term_end=d["term_end"],
            idempotency_key=_key(d),
        ),
    ),
    "review_role": (
        forms.ReviewRoleForm,
        lambda e, u, d: services.review_role(
            election=e,
            by=u,
            description=d["description"],
            qualifications=d["qualifications"],
            default_term_months=d["default_term_months"],
            term_start=d["term_start"],
            term_end=d["term_end"],
            reason=d["reason"],
            mode=d["mode"],
            idempotency_key=_key(d),
        ),
    ),
    "answer_role_change": (
        forms.AnswerForm,
        lambda e, u, d: services.answer_role_change(
            election=e,
            by=u,
            position=d["position"],
            reason=d["reason"],
            concern=d["concern"],
            idempotency_key=_key(d),
        ),
    ),
    "skip_role_speaker": (
        forms.ActionForm,
        lambda e, u, d: services.skip_role_speaker(election=e, by=u, idempotency_key=_key(d)),
    ),
    "close_role_change": (
        forms.ActionForm,
        lambda e, u, d: services.close_role_change(election=e, by=u, idempotency_key=_key(d)),
    ),
    "drop_role_change": (
        forms.ReasonForm,
        lambda e, u, d: services.drop_role_change(
            election=e, by=u, reason=d["reason"], idempotency_key=_key(d)
        ),
    ),
    "start_nominating": (
        forms.ActionForm,
        lambda e, u, d: services.start_nominating(election=e, by=u, idempotency_key=_key(d)),
    ),
    "nominate": (
        forms.NominateForm,
        lambda e, u, d: services.nominate(
            election=e,
            by=u,
            nominee=_person(e, d["nominee"]),
            reason=d["reason"],
            idempotency_key=_key(d),
        ),
    ),
    "show_nominations": (
        forms.ActionForm,
        lambda e, u, d: services.show_nominations(election=e, by=u, idempotency_key=_key(d)),
    ),
    "start_change_round": (
        forms.ActionForm,
        lambda e, u, d: services.start_change_round(election=e, by=u, idempotency_key=_key(d)),
    ),
    "change_nomination": (
        forms.ChangeForm,
        lambda e, u, d: services.change_nomination(
            election=e,
            by=u,
            nominee=_person(e, d["nominee"]),
            reason=d["reason"],
            idempotency_key=_key(d),
        ),
    ),
    "start_proposing": (
        forms.ActionForm,
        lambda e, u, d: services.start_proposing(election=e, by=u, idempotency_key=_key(d)),
    ),
    "propose": (
        forms.ProposeForm,
        lambda e, u, d: services.propose(
            election=e,
            by=u,
            nominee=_person(e, d["nominee"]),
            term_end=d["term_end"],
            reason=d["reason"],
            idempotency_key=_key(d),
        ),
    ),
    "answer": (
        forms.AnswerForm,
        lambda e, u, d: services.answer(
            election=e,
            by=u,
            position=d["position"],
            reason=d["reason"],
            concern=d["concern"],
            idempotency_key=_key(d),
        ),
    ),
    "skip_speaker": (
        forms.ActionForm,
        lambda e, u, d: services.skip_speaker(election=e, by=u, idempotency_key=_key(d)),
    ),
    "elect": (
        forms.ActionForm,
        lambda e, u, d: services.elect(election=e, by=u, idempotency_key=_key(d)),
    ),
    "parent_response": (
        forms.ParentResponseForm,
        lambda e, u, d: services.record_parent_response(
            election=e,
            by=u,
            accepted=d["accepted"],
            reason=d["reason"],
            idempotency_key=_key(d),
        ),
    ),
    "cancel": (
        forms.ReasonForm,
        lambda e, u, d: services.cancel(
            election=e, by=u, reason=d["reason"], idempotency_key=_key(d)
        ),
    ),
}


def _forms(election, user, failed=None):
    """A fresh form (new idempotency key) per step the viewer may take; the
    failed one, bound with its errors, in its place."""
    people = selectors.participants_for(election)
    result = {}
    for step in services.allowed_steps(election, user):
        form_class = ACTIONS[step][0]
        initial = {}
        if step == "set_term":
            initial = {"term_start": election.term_start, "term_end": election.term_end}
        elif step == "review_role":
            role = election.role
            initial = {
                "description": role.description,
                "qualifications": "\n".join(role.qualifications),
                "default_term_months": role.default_term_months,
                "term_start": election.term_start,
                "term_end": election.term_end,
            }
        elif step == "propose":
            initial = {
                "term_end": election.proposed_term_end or election.term_end,
                "nominee": election.proposed_nominee_id,
            }
        elif step == "change_nomination":
            mine = selectors.my_nomination(election, user, 1)
            initial = {"nominee": mine.nominee_id if mine else None}
        result[step] = form_class(people=people, initial=initial)
    if failed is not None:
        result[failed[0]] = failed[1]
    for step, form in result.items():
        form.step, form.label = step, services.STEPS[step].label
    return result


def _context(request, election, failed=None):
    user = request.user
    round_ = selectors.current_round(election)
    last_rounds = selectors.consent_rounds(election)
    shown_round = round_ or (last_rounds[-1] if last_rounds else None)
    return {
        "election": election,
        "organization": election.circle.organization,
        "circle": election.circle,
        "role": election.role,
        "forms": _forms(election, user, failed),
        "states": [
            (value, label)
            for value, label in election.State.choices
            if value != election.State.CANCELLED
        ],
        "facilitating": circle_selectors.can_facilitate(user, election.circle),
        "nominations": selectors.visible_nominations(election, user),
        "my_first": selectors.my_nomination(election, user, 1),
        "my_second": selectors.my_nomination(election, user, 2),
        "nomination_progress": selectors.nomination_progress(election),
        "change_progress": selectors.change_progress(election),
        "grid": selectors.grid(election, user),
        "round": selectors.round_view(shown_round, user),
        "role_change": selectors.role_change_view(election, user),
        "proposals": selectors.proposal_history(election),
        "events": selectors.events_of(election),
        "participants": selectors.participants_for(election),
    }


def election(request, org, pk):
    election = _election(request, org, pk)
    return render(request, "elections/election.html", _context(request, election))


@login_required
@require_POST
def election_action(request, org, pk, step):
    election = _election(request, org, pk)
    if step not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[step]
    form = form_class(request.POST, people=selectors.participants_for(election))
    failed = None
    if form.is_valid():
        try:
            call(election, request.user, form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            failed = (step, form)
    else:
        failed = (step, form)
    election = selectors.election_or_none(election.circle.organization, election.pk)
    if request.htmx:
        return render(
            request, "elections/election.html#election", _context(request, election, failed)
        )
    if failed is None:
        return HttpResponseRedirect(election.get_absolute_url())
    for error in form.non_field_errors():
        messages.error(request, error)
    return render(
        request, "elections/election.html", _context(request, election, failed), status=400
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
    if request.method == "POST" and form.is_valid():
        role = circle_selectors.role_or_none(organization, int(form.cleaned_data["role"]))
        try:
            if role is None:
                raise Invalid(_("Choose a role."), field="role")
            created = services.open_election(
                role=role,
                by=request.user,
                term_start=form.cleaned_data["term_start"],
                term_end=form.cleaned_data["term_end"],
                idempotency_key=_key(form.cleaned_data),
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
