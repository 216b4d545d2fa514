"""Change events: noted inside the transaction, announced after commit.

A service calls ``changed(subject)`` inside its transaction. Two signals:

- ``subject_changing`` is sent at once, inside the transaction: a receiver
  writes what must commit or roll back with the change (the live room bumps
  its version there). A failing receiver fails the transaction: nothing is
  committed that the room would not know of. What a receiver returns is
  handed to the after-commit listeners as ``notes`` (a list).
- ``subject_changed`` is sent once the transaction commits, never for one
  that rolled back: a listener pushes the change out. A failing listener is
  logged (one line per listener and kind of failure per interval, see
  ``log_throttled``) and never fails the request that already committed.

``core`` knows no app: a subject is any model instance.
"""

import logging
import threading
import time

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

#: Sent inside the transaction with ``subject=<model instance>``, ``part=``.
subject_changing = Signal()
#: Sent after commit with ``subject=``, ``part=`` and ``notes=`` (what the
#: ``subject_changing`` receivers returned, ``None`` left out).
subject_changed = Signal()


def changed(subject, *, part: str = "", using: str | None = None) -> None:
    """Note now, and announce after commit, that ``subject`` changed.

    ``part`` narrows it when only one aspect changed (``"presence"``: who is
    in the room), so a listener can send less; empty means anything may have.
    """
    notes = [
        result
        for _receiver, result in subject_changing.send(
            sender=type(subject), subject=subject, part=part
        )
        if result is not None
    ]

    def send() -> None:
        for receiver, result in subject_changed.send_robust(
            sender=type(subject), subject=subject, part=part, notes=notes
        ):
            if isinstance(result, Exception):
                log_throttled(
                    log,
                    f"listener {getattr(receiver, '__qualname__', receiver)}",
                    "change listener %s failed for %s: %r",
                    getattr(receiver, "__qualname__", receiver),
                    subject,
                    result,
                )

    transaction.on_commit(send, using=using)


# One line per kind of failure per interval ----------------------------------
# A Redis outage makes every broadcast fail: hundreds of tracebacks a minute
# would drown what an operator watches. The first failure of a kind is logged
# (one line, no traceback); the next ones in the interval are counted and
# the count is logged with the next line of that kind.

THROTTLE_INTERVAL = 30.0
_throttle_lock = threading.Lock()
_throttled: dict[str, list] = {}  # kind -> [last logged (monotonic), suppressed]


def log_throttled(logger, kind: str, message: str, *args, level=logging.WARNING) -> bool:
    """Log ``message % args`` unless ``kind`` was logged in the last
    ``THROTTLE_INTERVAL`` seconds; whether it was logged."""
    now = time.monotonic()
    with _throttle_lock:
        last, suppressed = _throttled.get(kind, (None, 0))
        if last is not None and now - last < THROTTLE_INTERVAL:
            _throttled[kind] = [last, suppressed + 1]
            return False
        _throttled[kind] = [now, 0]
    if suppressed:
        message += " (and %d more like it since the last report)"
        args = (*args, suppressed)
    logger.log(level, message, *args)
    return True


def reset_throttle() -> None:
    """Forget what was logged (tests)."""
    with _throttle_lock:
        _throttled.clear()
