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


def changed(subject, *, part: str = "", using: str | None = None) -> None:
    """Announce after commit that ``subject`` changed.

    ``part`` narrows it when only one aspect changed (``"presence"``: who is
    in the room), so a listener can send less; empty means anything may have.
    """

    def send() -> None:
        # A failing listener (say, Redis down) must not fail the request that
        # already committed: log it; clients resync when they reconnect.
        for receiver, result in subject_changed.send_robust(
            sender=type(subject), subject=subject, part=part
        ):
            if isinstance(result, Exception):
                log.error("change listener %r failed for %s", receiver, subject, exc_info=result)

    transaction.on_commit(send, using=using)
