"""Webhooks: an organization's events as signed, timestamped JSON.

Each event a fan-out job handles (``services.fan_out``) is delivered, by one
job per endpoint, to the organization's active endpoints that take its kind.
The body is JSON (``format=json``: the kind, the text in the organization's
language, the absolute link, the time) or a chat message (``format=chat``:
``{"text": …}``, which Slack's, Mattermost's and Matrix hookshot's incoming
webhooks take). Headers: ``X-Cercle-Timestamp`` (Unix seconds) and
``X-Cercle-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the
endpoint's secret>``; a receiver recomputes it and refuses an old timestamp.

A failed delivery (a network error, a non-2xx answer) is logged
(``WebhookDelivery``) and retried by the job's backoff; after
``WEBHOOK_MAX_FAILURES`` failures in a row the endpoint is disabled. No request
goes to a private, loopback, link-local or reserved address unless
``WEBHOOKS_ALLOW_PRIVATE`` is set (SSRF): the host is resolved and every
address checked before connecting, and redirects are not followed.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Invalid
from core.links import absolute
from notifications.kinds import render
from notifications.models import WebhookDelivery, WebhookEndpoint

TIMEOUT = 5


class Refused(Exception):
    """A target the SSRF rule refuses."""


def new_secret() -> str:
    return secrets.token_hex(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_target(url: str) -> None:
    """Refuse a URL that is not http(s) or that resolves to a private address."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Refused(_("A webhook address starts with https:// (or http://)."))
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        raise Refused(_("The webhook's host name does not resolve.")) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise Refused(_("A webhook may not point to a private or local network address."))


@transaction.atomic
def add_endpoint(*, organization, url: str, format: str = "json", kinds=()) -> WebhookEndpoint:
    from notifications.kinds import KINDS

    try:
        check_target(url)
    except Refused as refused:
        raise Invalid(str(refused), field="url") from None
    if format not in WebhookEndpoint.Format.values:
        raise Invalid(_("Choose the Cercle JSON or the chat format."), field="format")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise Invalid(_("Unknown kind of notification: %(kind)s.") % {"kind": unknown[0]})
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, format=format, kinds=list(kinds), secret=new_secret()
    )


def body_for(endpoint, *, kind: str, params: dict, url: str, key: str) -> bytes:
    with translation.override(endpoint.organization.language or settings.LANGUAGE_CODE):
        text = _("A test message from Cercle.") if kind == "webhook_test" else render(kind, params)
    link = absolute(url) if url else ""
    if endpoint.format == WebhookEndpoint.Format.CHAT:
        payload = {"text": f"{text} {link}".strip()}
    else:
        payload = {
            "event": key,
            "kind": kind,
            "text": text,
            "url": link,
            "organization": endpoint.organization.slug,
            "sent": timezone.now().isoformat(),
        }
    return json.dumps(payload, ensure_ascii=False).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def deliver(*, endpoint_id: int, kind: str, params: dict, url: str, key: str, attempt: int) -> bool:
    """One try; True if the endpoint answered 2xx. Raises on a failure (so the job retries)."""
    endpoint = WebhookEndpoint.objects.select_related("organization").filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.active:
        return False
    if WebhookDelivery.objects.filter(endpoint=endpoint, event_key=key[:200], ok=True).exists():
        return True  # delivered by an earlier try (a fan-out job run twice)
    body = body_for(endpoint, kind=kind, params=params, url=url, key=key)
    timestamp = str(int(time.time()))
    status, error = None, ""
    try:
        check_target(endpoint.url)
        request = urllib.request.Request(  # noqa: S310 - http(s) only: check_target
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Cercle-Webhook",
                "X-Cercle-Event": kind,
                "X-Cercle-Timestamp": timestamp,
                "X-Cercle-Signature": signature(endpoint.secret, timestamp, body),
            },
        )
        with _opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as failed:
        status, error = failed.code, f"HTTP {failed.code}"
    except Refused as refused:
        error = str(refused)
    except (OSError, ValueError) as failed:
        error = str(failed)[:500] or type(failed).__name__
    ok = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_key=key[:200],
            kind=kind,
            attempt=attempt,
            status_code=status,
            error=error[:500],
            ok=ok,
        )
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if ok:
            locked.failures = 0
        else:
            locked.failures += 1
            if locked.failures >= settings.WEBHOOK_MAX_FAILURES:
                locked.active = False
                locked.disabled_at = timezone.now()
        locked.save(update_fields=["failures", "active", "disabled_at"])
    if not ok:
        if not locked.active:
            return False  # disabled: no more tries
        raise RuntimeError(f"webhook {endpoint.pk} failed: {error or status}")
    return True


def endpoints_for(*, organization_id, kind: str) -> list[int]:
    """The active endpoints of the organization that take ``kind``."""
    return [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, active=True)
        if not endpoint.kinds or kind in endpoint.kinds
    ]
