from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A key an action form carried, stored in the action's own transaction.

    A retried or double-clicked submission carries the same key; the second
    insert hits the unique constraint and the action is not done twice. If the
    action rolls back, its key goes with it, so a retry after a failure works.
    """

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.key)
