"""An organization's webhook endpoints, managed by its administrators: the
services behind the settings page and the API (add, change, disable or
enable, delete, send a test), each one transaction with the row locked.

Who may: the organization's administrators, the same rule as its settings
(``circles.rules``: ``update_organization``). This module sits above
``webhooks`` (which signs and delivers) and ``tasks`` (which enqueues).
"""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circles import rules
from core.errors import Conflict, Invalid, NotFound
from core.idempotency import created_before, first_time, remember_created
from notifications import tasks, webhooks
from notifications.kinds import KINDS
from notifications.models import WebhookDelivery, WebhookEndpoint

#: Deliveries shown per endpoint (the page and the API).
RECENT = 20


def check_admin(organization, by) -> None:
    rules.check("update_organization", organization, by)


def endpoints_of(organization):
    return WebhookEndpoint.objects.filter(organization=organization).order_by("created", "pk")


def endpoint_or_none(organization, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return endpoints_of(organization).filter(pk=pk).first()


def recent_deliveries(endpoint, limit: int = RECENT):
    return list(WebhookDelivery.objects.filter(endpoint=endpoint)[:limit])


def _kinds(kinds) -> list[str]:
    kinds = list(dict.fromkeys(kinds or ()))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise Invalid(
            _("Unknown kind of notification: %(kind)s.") % {"kind": unknown[0]}, field="kinds"
        )
    return kinds


def _url(url) -> str:
    url = (url or "").strip()
    if not url:
        raise Invalid(_("Give the address that receives the events."), field="url")
    if len(url) > 500:
        raise Invalid(_("A webhook address has at most 500 characters."), field="url")
    try:
        webhooks.check_target(url)
    except webhooks.Refused as refused:
        raise Invalid(str(refused), field="url") from None
    return url


def _format(value) -> str:
    if value not in WebhookEndpoint.Format.values:
        raise Invalid(_("Choose the Cercle JSON or the chat format."), field="format")
    return value


@transaction.atomic
def create(*, organization, by, url: str, format: str = "json", kinds=(), key=None):
    """A new endpoint with a new secret (shown to the creator once). A retried
    call with the same ``key`` answers with the endpoint the first one made."""
    check_admin(organization, by)
    earlier = created_before(key=key, user=by, model=WebhookEndpoint)
    if earlier is not None:
        return earlier
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=_url(url),
        format=_format(format),
        kinds=_kinds(kinds),
        secret=webhooks.new_secret(),
    )
    remember_created(key=key, user=by, row=endpoint)
    return endpoint


def _locked(endpoint):
    found = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    if found is None:
        raise NotFound(_("This webhook does not exist."))
    return found


@transaction.atomic
def update(*, endpoint, by, url=None, format=None, kinds=None, active=None):
    """Change what is given (None keeps it). Enabling again clears the failures."""
    check_admin(endpoint.organization, by)
    endpoint = _locked(endpoint)
    fields = []
    if url is not None and url != endpoint.url:
        endpoint.url = _url(url)
        fields.append("url")
    if format is not None:
        endpoint.format = _format(format)
        fields.append("format")
    if kinds is not None:
        endpoint.kinds = _kinds(kinds)
        fields.append("kinds")
    if active is not None and bool(active) != endpoint.active:
        endpoint.active = bool(active)
        if endpoint.active:
            endpoint.failures = 0
            endpoint.disabled_at = None
        else:
            endpoint.disabled_at = timezone.now()
        fields += ["active", "failures", "disabled_at"]
    if fields:
        endpoint.save(update_fields=fields)
    return endpoint


def set_active(*, endpoint, by, active: bool):
    return update(endpoint=endpoint, by=by, active=active)


@transaction.atomic
def delete(*, endpoint, by) -> None:
    """The endpoint and its delivery log go; events stop at once."""
    check_admin(endpoint.organization, by)
    _locked(endpoint).delete()


@transaction.atomic
def send_test(*, endpoint, by, key=None) -> bool:
    """Enqueue a test event to the endpoint; its delivery shows in the log.
    False for a retried call with the same ``key`` (nothing enqueued again)."""
    check_admin(endpoint.organization, by)
    endpoint = _locked(endpoint)
    if not endpoint.active:
        raise Conflict(_("This webhook is disabled: enable it to send a test."))
    if not first_time(key=key, user=by):
        return False
    tasks.send_webhook_test(endpoint=endpoint, key=f"webhook_test:{endpoint.pk}:{uuid.uuid4()}")
    return True
