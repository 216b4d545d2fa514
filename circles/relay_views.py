"""Pages of the double-link ledger (``circles.relays``): a circle's relay
inbox, and the relay actions posted from it and from a decision's page. Thin:
parse, call one service, redirect back with a message (a refusal is a
message, never a traceback)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import relays, selectors
from circles.models import Relay
from core.errors import DomainError
from core.idempotency import new_key
from core.steps import parse_input


def _org(request, slug: str):
    organization = selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _back(request, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target or fallback)


def inbox_context(user, circle) -> dict:
    """The waiting relays ``circle`` receives, under the name of who carries
    them (a child's delegate up, the circle's own leader down)."""
    groups: dict[int | None, dict] = {}
    for relay in relays.inbox(circle):
        holder = relays.carrier(relay)
        group = groups.setdefault(holder.pk if holder else None, {"carrier": holder, "items": []})
        relay.carrier = holder
        relay.overdue = relay.marked_at < relays.wait_limit()
        relay.may_present = bool(relays.may("present", relay, user))
        relay.may_acknowledge = bool(relays.may("acknowledge", relay, user))
        group["items"].append(relay)
    return {
        "groups": list(groups.values()),
        "minutes": relays.minutes_choices(circle),
        "closed": list(relays.inbox(circle, state=None).exclude(state=Relay.State.WAITING))[-10:],
        "idempotency_key": new_key(),
    }


def inbox(request, org, circle):
    organization = _org(request, org)
    circle_obj = selectors.circle_or_none(organization, circle)
    if circle_obj is None:
        raise Http404
    return render(
        request,
        "circles/relays.html",
        {"organization": organization, "circle": circle_obj}
        | inbox_context(request.user, circle_obj),
    )


@require_POST
@login_required
def mark(request, org, seq):
    """ "Relay to …" on a decision's page."""
    from decisions.models import Decision

    organization = _org(request, org)
    decision = (
        Decision.objects.filter(organization=organization, sequence=seq)
        .select_related("circle", "circle__parent", "organization")
        .first()
    )
    if decision is None:
        raise Http404
    step = relays.STEPS["relay"]
    try:
        row = relays.relay(
            subject=decision,
            by=request.user,
            key=request.POST.get("idempotency_key"),
            **parse_input(step, request.POST),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Decision #%(seq)d waits in the relay inbox of %(circle)s.")
            % {"seq": decision.sequence, "circle": row.target.name},
        )
    return _back(request, decision.get_absolute_url())


@require_POST
@login_required
def act(request, org, pk, segment):
    """Present or acknowledge a waiting relay (the step of that URL segment)."""
    organization = _org(request, org)
    relay = relays.relay_or_none(organization, pk)
    step = relays.STEPS.by_url.get(segment)
    if relay is None or step is None or step.name == "relay":
        raise Http404
    try:
        step.call()(
            subject=relay,
            by=request.user,
            key=request.POST.get("idempotency_key"),
            **parse_input(step, request.POST),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": step.label})
    return _back(
        request,
        reverse("circles:relays", kwargs={"org": organization.slug, "circle": relay.target.slug}),
    )
