"""The notifications API: the caller's notifications and email preferences, and
an organization's webhooks (its administrators only)."""

from datetime import datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from circles import selectors as circle_selectors
from core.errors import Invalid
from core.schemas import IDEMPOTENT, choice_field, idempotency_key, one_of
from notifications import endpoints, selectors, services
from notifications.kinds import KINDS
from notifications.models import Frequency, WebhookEndpoint

router = Router(tags=["notifications"])

KindName = Literal[tuple(KINDS)]


class NotificationOut(Schema):
    id: int
    kind: KindName
    text: str = Field(description="In the caller's language.")
    url: str = Field(description="The page it is about (a path), or empty.")
    organization: str | None = Field(None, description="The organization's short name.")
    created: datetime
    read_at: datetime | None
    emailed_at: datetime | None


class UnreadCountOut(Schema):
    unread: int


class MarkedReadOut(Schema):
    marked: int


class NotificationPreferenceOut(Schema):
    kind: KindName
    label: str
    frequency: one_of(Frequency)
    default: one_of(Frequency)


class NotificationPreferenceIn(Schema):
    kind: str = choice_field(list(KINDS))
    frequency: str = choice_field(Frequency)


class NotificationPreferencesIn(Schema):
    preferences: list[NotificationPreferenceIn] = Field(..., max_length=len(KINDS) * 2)


class NotificationFilters(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)


def _out(notification, text: str) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind if notification.kind in KINDS else next(iter(KINDS)),
        "text": text,
        "url": notification.url,
        "organization": notification.organization.slug if notification.organization else None,
        "created": notification.created,
        "read_at": notification.read_at,
        "emailed_at": notification.emailed_at,
    }


def _preferences(user) -> list[dict]:
    return [
        {
            "kind": name,
            "label": str(KINDS[name].label),
            "frequency": value,
            "default": KINDS[name].default,
        }
        for name, value in services.preferences_of(user).items()
    ]


@router.get(
    "/me/notifications",
    response=list[NotificationOut],
    operation_id="list_notifications",
    summary="My notifications, newest first",
)
def list_notifications(request, filters: Query[NotificationFilters]):
    rows = selectors.notifications_of(request.auth)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    return [_out(i["notification"], i["text"]) for i in selectors.shown(rows[: filters.limit])]


@router.get(
    "/me/notifications/unread",
    response=UnreadCountOut,
    operation_id="count_unread_notifications",
    summary="How many of my notifications are unread (the bell)",
)
def count_unread(request):
    return {"unread": services.unread_count(request.auth)}


@router.post(
    "/me/notifications/{notification_id}/read",
    response=NotificationOut,
    operation_id="mark_notification_read",
)
def mark_read(request, notification_id: int):
    notification = services.mark_read(user=request.auth, notification_id=notification_id)
    return _out(notification, services.render_text(notification))


@router.post(
    "/me/notifications/read-all",
    response=MarkedReadOut,
    operation_id="mark_all_notifications_read",
)
def mark_all_read(request):
    return {"marked": services.mark_all_read(user=request.auth)}


@router.get(
    "/me/notification-preferences",
    response=list[NotificationPreferenceOut],
    operation_id="list_notification_preferences",
    summary="How each kind of notification is emailed to me",
)
def list_preferences(request):
    return _preferences(request.auth)


@router.post(
    "/me/notification-preferences",
    response=list[NotificationPreferenceOut],
    operation_id="set_notification_preferences",
    summary="Choose, per kind: immediately, daily, weekly or never",
)
def set_preferences(request, payload: NotificationPreferencesIn):
    choices = {item.kind: item.frequency for item in payload.preferences}
    if len(choices) != len(payload.preferences):
        raise Invalid(_("Name each kind once."), field="preferences")
    services.set_preferences(user=request.auth, choices=choices)
    return _preferences(request.auth)


# Webhooks (an organization's administrators) -----------------------------------


class WebhookOut(Schema):
    id: int
    url: str
    format: one_of(WebhookEndpoint.Format)
    kinds: list[KindName] = Field(description="The kinds sent; empty: every kind.")
    active: bool
    failures: int = Field(description="Failed deliveries in a row.")
    disabled_at: datetime | None
    created: datetime


class NewWebhookOut(WebhookOut):
    secret: str = Field(
        description="The signing secret (HMAC-SHA256), given only in this answer: keep it."
    )


class WebhookIn(Schema):
    url: str = Field(..., max_length=500, description="http(s); no private-network address.")
    format: str = choice_field(WebhookEndpoint.Format, "json")
    kinds: list[KindName] = Field(
        default_factory=list, max_length=len(KINDS), description="Empty: every kind."
    )


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=500)
    format: str | None = choice_field(WebhookEndpoint.Format, None)
    kinds: list[KindName] | None = Field(None, max_length=len(KINDS))
    active: bool | None = Field(None, description="False disables; true enables again.")


class WebhookDeliveryOut(Schema):
    id: int
    event: str = Field(description="The event's key (one per event and endpoint).")
    kind: str = Field(description="The event's kind, or webhook_test.")
    attempt: int
    status_code: int | None = Field(description="The receiver's answer; none when unreached.")
    ok: bool
    error: str
    created: datetime


class WebhookTestOut(Schema):
    queued: bool = Field(description="False when the same Idempotency-Key queued one already.")


def _admin_org(request, org: str):
    organization = circle_selectors.readable_organization_or_none(request.auth, org)
    if organization is None:
        raise Http404
    endpoints.check_admin(organization, request.auth)
    return organization


def _webhook(request, org: str, webhook_id: int):
    endpoint = endpoints.endpoint_or_none(_admin_org(request, org), webhook_id)
    if endpoint is None:
        raise Http404
    return endpoint


def _webhook_out(endpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "format": endpoint.format,
        "kinds": [k for k in endpoint.kinds if k in KINDS],
        "active": endpoint.active,
        "failures": endpoint.failures,
        "disabled_at": endpoint.disabled_at,
        "created": endpoint.created,
    }


@router.get(
    "/orgs/{org}/webhooks",
    response=list[WebhookOut],
    operation_id="list_webhooks",
    summary="The organization's webhooks (administrators)",
)
def list_webhooks(request, org: str):
    return [_webhook_out(e) for e in endpoints.endpoints_of(_admin_org(request, org))]


@router.post(
    "/orgs/{org}/webhooks",
    response={201: NewWebhookOut},
    operation_id="create_webhook",
    summary="Add a webhook; its secret is in this answer only",
    openapi_extra=IDEMPOTENT,
)
def create_webhook(request, org: str, payload: WebhookIn):
    endpoint = endpoints.create(
        organization=_admin_org(request, org),
        by=request.auth,
        key=idempotency_key(request),
        url=payload.url,
        format=payload.format,
        kinds=payload.kinds,
    )
    return Status(201, {**_webhook_out(endpoint), "secret": endpoint.secret})


@router.get(
    "/orgs/{org}/webhooks/{webhook_id}",
    response=WebhookOut,
    operation_id="get_webhook",
)
def get_webhook(request, org: str, webhook_id: int):
    return _webhook_out(_webhook(request, org, webhook_id))


@router.patch(
    "/orgs/{org}/webhooks/{webhook_id}",
    response=WebhookOut,
    operation_id="update_webhook",
    summary="Change a webhook's address, format or kinds; disable or enable it",
)
def update_webhook(request, org: str, webhook_id: int, payload: WebhookPatch):
    endpoint = endpoints.update(
        endpoint=_webhook(request, org, webhook_id), by=request.auth, **payload.dict()
    )
    return _webhook_out(endpoint)


@router.delete(
    "/orgs/{org}/webhooks/{webhook_id}",
    response={204: None},
    operation_id="delete_webhook",
    summary="Delete a webhook and its delivery log",
)
def delete_webhook(request, org: str, webhook_id: int):
    endpoints.delete(endpoint=_webhook(request, org, webhook_id), by=request.auth)
    return Status(204, None)


@router.post(
    "/orgs/{org}/webhooks/{webhook_id}/test",
    response={202: WebhookTestOut},
    operation_id="test_webhook",
    summary="Send a test event (its delivery shows in the log)",
    openapi_extra=IDEMPOTENT,
)
def test_webhook(request, org: str, webhook_id: int):
    queued = endpoints.send_test(
        endpoint=_webhook(request, org, webhook_id),
        by=request.auth,
        key=idempotency_key(request),
    )
    return Status(202, {"queued": queued})


@router.get(
    "/orgs/{org}/webhooks/{webhook_id}/deliveries",
    response=list[WebhookDeliveryOut],
    operation_id="list_webhook_deliveries",
    summary="A webhook's recent deliveries, newest first",
)
def list_webhook_deliveries(request, org: str, webhook_id: int):
    return [
        {
            "id": d.pk,
            "event": d.event_key,
            "kind": d.kind,
            "attempt": d.attempt,
            "status_code": d.status_code,
            "ok": d.ok,
            "error": d.error,
            "created": d.created,
        }
        for d in endpoints.recent_deliveries(_webhook(request, org, webhook_id))
    ]
