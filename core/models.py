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
    #: For an action that creates a row without a key column of its own (a
    #: meeting): ``app_label.model:pk`` of what it created, so that a replay
    #: answers with that row (``core.idempotency.created_before``).
    made = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return str(self.key)


class SentEmail(models.Model):
    """An email a job sent, by its idempotency key (``core.jobs.send_once``).

    Written in the transaction that sends it: a job tried again finds the key
    and does not send a second time; a send that failed left no key.
    """

    key = models.CharField(max_length=200, unique=True)
    sent = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class ScheduledRun(models.Model):
    """One period of a periodic job, enqueued once (``core.jobs.schedule_due``).

    ``key`` is the job's name and its period (``reminders:2026-12-02T07``):
    two schedulers at once insert the same key, and only one enqueues.
    """

    key = models.CharField(max_length=200, unique=True)
    enqueued = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
