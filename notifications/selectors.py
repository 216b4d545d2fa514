from notifications.kinds import render
from notifications.models import Notification


def notifications_of(user):
    return Notification.objects.filter(recipient=user).select_related("organization")


def shown(notifications) -> list[dict]:
    """Each notification with its text in the active language."""
    return [
        {"notification": n, "text": render(n.kind, n.params), "unread": n.read_at is None}
        for n in notifications
    ]
