from django.utils.functional import SimpleLazyObject

from notifications import services


def bell(request):
    """The unread count of the bell, counted only if a page shows it."""
    user = getattr(request, "user", None)
    return {"notifications_unread": SimpleLazyObject(lambda: services.unread_count(user))}
