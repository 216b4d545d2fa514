"""After-commit change events.

A service calls ``changed(subject)`` inside its transaction; listeners (the
``realtime`` app) hear of it only once the transaction commits, and never for
one that rolled back. ``core`` knows no app: a subject is any model instance,
identified to listeners by its ``_meta.label`` and primary key.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

#: Sent after commit with ``subject=<model instance>``.
subject_changed = Signal()


def changed(subject, *, using: str | None = None) -> None:
    def send() -> None:
        # A failing listener (say, Redis down) must not fail the request that
        # already committed: log it; clients resync when they reconnect.
        for receiver, result in subject_changed.send_robust(sender=type(subject), subject=subject):
            if isinstance(result, Exception):
                log.error("change listener %r failed for %s", receiver, subject, exc_info=result)

    transaction.on_commit(send, using=using)
