"""Pages of tensions: raise one, a circle's backlog, one tension with its
history, the person's own. Thin: parse, call one service or selector, render.

Every action is a plain POST that redirects back; with htmx the same POST
answers with the fragment it came from (a backlog row, or the tension's
actions and history). A refusal comes back as a form error at its field,
with what was typed kept; nothing changed. Outsiders get 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import selectors as circle_selectors
from circles.models import Role
from core.errors import DomainError, Invalid
from core.steps import parse_input, run
from tensions import forms, selectors, services, steps
from tensions.steps import STEPS


def _org(request, slug):
    organization = circle_selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _circle(organization, slug):
    circle = circle_selectors.circle_or_none(organization, slug)
    if circle is None:
        raise Http404
    return circle


def _tension(request, org, pk):
    tension = selectors.tension_or_none(_org(request, org), pk)
    if tension is None:
        raise Http404
    return tension


def _forms(tension, user, failed=None) -> dict:
    """The form of each step ``user`` may take on ``tension`` now (ids unique
    per tension: a backlog shows several), the failed one bound."""
    made = {}
    allowed = steps.allowed(tension, user)
    for name in allowed:
        if failed is not None and failed[0] == name:
            made[name] = failed[1]
            continue
        made[name] = _form(name, tension, user=user)
    return made


def _form(name, tension, data=None, *, user=None):
    kwargs = {"auto_id": f"t{tension.pk}-{name}-%s"}
    if name == "forward":
        kwargs["routes"] = selectors.routes(tension.circle)
    if name == "take":
        kwargs["roles"] = Role.objects.filter(circle=tension.circle).order_by("name")
        kwargs["outcomes"] = steps.take_outcomes(tension, user)
    return forms.FORMS[name](data, **kwargs)


def _row(tension, user, failed=None) -> dict:
    return {
        "tension": tension,
        "forms": _forms(tension, user, failed) if tension.is_open else {},
        "age": selectors.age_days(tension),
    }


@login_required
def mine(request, org):
    organization = _org(request, org)
    return render(
        request,
        "tensions/mine.html",
        {
            "organization": organization,
            "tensions": selectors.tensions_of(organization, raised_by=request.user),
        },
    )


@login_required
def raise_new(request, org):
    organization = _org(request, org)
    circles = selectors.raisable_circles(organization)
    form = forms.RaiseForm(
        request.POST or None, circles=circles, initial={"circle": request.GET.get("circle", "")}
    )
    status = 200
    if request.method == "POST":
        try:
            data = parse_input(STEPS["raise"], request.POST)
            circle = None
            if data.pop("circle", None):
                circle = circle_selectors.circle_or_none(organization, request.POST["circle"])
                if circle is None:
                    raise Invalid(_("Choose a circle of this organization."), field="circle")
            tension = services.raise_tension(
                organization=organization,
                circle=circle,
                by=request.user,
                key=request.POST.get("idempotency_key") or None,
                **data,
            )
        except DomainError as exc:
            form.refuse(exc)
            status = exc.status
        else:
            return HttpResponseRedirect(tension.get_absolute_url())
    return render(
        request,
        "tensions/raise.html",
        {"organization": organization, "form": form},
        status=status,
    )


def backlog(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    return render(
        request,
        "tensions/backlog.html",
        {
            "organization": organization,
            "circle": circle,
            "rows": [_row(t, request.user) for t in selectors.backlog(circle)],
            "may_raise": STEPS.may("raise", circle, request.user),
        },
    )


def _detail_context(tension, user, failed=None) -> dict:
    return {
        "organization": tension.organization,
        "tension": tension,
        "history": selectors.history(tension),
        "labels": steps.EVENT_LABELS,
        "row": _row(tension, user, failed),
    }


def detail(request, org, pk):
    tension = _tension(request, org, pk)
    return render(request, "tensions/detail.html", _detail_context(tension, request.user))


@login_required
@require_POST
def act(request, org, pk, step):
    """Take a step of the table on the tension; its input is the step's schema."""
    tension = _tension(request, org, pk)
    found = next((s for s in steps.ACTIONS if s.url == step), None)
    if found is None:
        raise Http404
    failed = error = None
    try:
        run(
            STEPS,
            found.name,
            tension,
            by=request.user,
            key=request.POST.get("idempotency_key") or None,
            data=request.POST,
        )
    except DomainError as exc:
        error = exc
        form = _form(found.name, tension, request.POST, user=request.user)
        form.refuse(exc)
        failed = (found.name, form)
    tension = selectors.tension_or_none(tension.organization, tension.pk)
    from_backlog = request.POST.get("place") == "backlog"
    status = error.status if error is not None else 200
    if request.htmx:
        if from_backlog:
            return render(
                request,
                "tensions/backlog.html#row",
                {
                    "organization": tension.organization,
                    "row": _row(tension, request.user, failed),
                    "from_circle": request.POST.get("circle", ""),
                },
                status=status,
            )
        return render(
            request,
            "tensions/detail.html#work",
            _detail_context(tension, request.user, failed),
            status=status,
        )
    if failed is None:
        if from_backlog:
            return HttpResponseRedirect(
                reverse(
                    "tensions:backlog",
                    kwargs={"org": org, "circle": request.POST.get("circle", "")},
                )
                if request.POST.get("circle")
                else tension.get_absolute_url()
            )
        return HttpResponseRedirect(tension.get_absolute_url())
    return render(
        request,
        "tensions/detail.html",
        _detail_context(tension, request.user, failed),
        status=status,
    )
