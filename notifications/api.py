"""The notifications API: the caller's notifications and email preferences."""

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from core.errors import Invalid
from core.schemas import choice_field, one_of
from notifications import selectors, services
from notifications.kinds import KINDS
from notifications.models import Frequency

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
