"""The organization's webhooks page (settings, administrators only): list,
add (the secret shown once), edit, disable or enable, delete, send a test,
and each endpoint's recent deliveries. An outsider gets 404, a member who is
not an administrator 403, as on the other settings pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import rules
from circles import selectors as circle_selectors
from core.errors import DomainError
from core.idempotency import new_key
from notifications import endpoints
from notifications.forms import WebhookForm


def _admin_org(request, org):
    """The organization and None, or None and the 403 page."""
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    verdict = rules.may("update_organization", organization, request.user)
    if not verdict:
        return organization, render(
            request,
            "circles/forbidden.html",
            {"organization": organization, "message": verdict.message},
            status=403,
        )
    return organization, None


def _endpoint(organization, pk):
    endpoint = endpoints.endpoint_or_none(organization, pk)
    if endpoint is None:
        raise Http404
    return endpoint


def _rows(organization) -> list[dict]:
    return [
        {"endpoint": e, "deliveries": endpoints.recent_deliveries(e), "test_key": new_key()}
        for e in endpoints.endpoints_of(organization)
    ]


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def webhook_list(request, org):
    organization, refused = _admin_org(request, org)
    if refused:
        return refused
    form = WebhookForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = endpoints.create(
                    organization=organization,
                    by=request.user,
                    key=request.POST.get("idempotency_key"),
                    **form.cleaned_data,
                )
            except DomainError as error:
                _form_error(form, error)
        if created is None:
            status = 400
        else:
            form = WebhookForm()
    return render(
        request,
        "notifications/webhooks.html",
        {
            "organization": organization,
            "form": form,
            "created": created,
            "rows": _rows(organization),
            "idempotency_key": new_key(),
        },
        status=status,
    )


@login_required
def webhook_edit(request, org, pk):
    organization, refused = _admin_org(request, org)
    if refused:
        return refused
    endpoint = _endpoint(organization, pk)
    initial = {"url": endpoint.url, "format": endpoint.format, "kinds": endpoint.kinds}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            endpoints.update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("webhooks:list", org=organization.slug)
    return render(
        request,
        "notifications/webhook_edit.html",
        {
            "organization": organization,
            "endpoint": endpoint,
            "form": form,
            "deliveries": endpoints.recent_deliveries(endpoint),
        },
        status=400 if form.errors else 200,
    )


def _answer(request, organization, endpoint, note=None, error=None):
    """The endpoint's panel for htmx, else back to the page with a message."""
    if request.htmx:
        if endpoint is None:
            return HttpResponse("")
        endpoint.refresh_from_db()
        return render(
            request,
            "notifications/_webhook.html",
            {
                "organization": organization,
                "row": {
                    "endpoint": endpoint,
                    "deliveries": endpoints.recent_deliveries(endpoint),
                    "test_key": new_key(),
                },
                "note": note,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    elif note:
        messages.success(request, note)
    return redirect("webhooks:list", org=organization.slug)


def _action(request, org, pk, do):
    organization, refused = _admin_org(request, org)
    if refused:
        return refused
    endpoint = _endpoint(organization, pk)
    try:
        note = do(endpoint)
    except DomainError as error:
        return _answer(request, organization, endpoint, error=error.message)
    return _answer(request, organization, None if note is None else endpoint, note=note)


@login_required
@require_POST
def webhook_toggle(request, org, pk):
    def do(endpoint):
        active = not endpoint.active
        endpoints.set_active(endpoint=endpoint, by=request.user, active=active)
        return _("The webhook is enabled.") if active else _("The webhook is disabled.")

    return _action(request, org, pk, do)


@login_required
@require_POST
def webhook_test(request, org, pk):
    def do(endpoint):
        endpoints.send_test(
            endpoint=endpoint, by=request.user, key=request.POST.get("idempotency_key")
        )
        return _("A test event is on its way; its delivery shows below.")

    return _action(request, org, pk, do)


@login_required
@require_POST
def webhook_delete(request, org, pk):
    def do(endpoint):
        endpoints.delete(endpoint=endpoint, by=request.user)
        if not request.htmx:
            messages.success(request, _("The webhook is deleted."))
        return None

    return _action(request, org, pk, do)


@login_required
def webhook_deliveries(request, org, pk):
    """The endpoint's panel again (htmx "Refresh")."""
    organization, refused = _admin_org(request, org)
    if refused:
        return refused
    endpoint = _endpoint(organization, pk)
    if not request.htmx:
        return redirect("webhooks:edit", org=organization.slug, pk=endpoint.pk)
    return _answer(request, organization, endpoint)
