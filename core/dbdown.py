"""The database unreachable: tell it apart from a bug.

A request that cannot get a database connection (PostgreSQL down, a host
that never answers, the pool exhausted for ``DB_POOL_TIMEOUT``) fails after
the configured timeout. That is an outage, not a fault of the code: the
visitor gets a 503 with ``Retry-After``, and the log one line per interval
(``core.events.log_throttled``) instead of a traceback per request, which
would drown what an operator watches (``core.views.error_500``). The room's
sockets get the same treatment (``DatabaseUnavailableGuard``, config/asgi.py).
"""

import contextlib
import logging
import time

from core.events import log_throttled

log = logging.getLogger("cercle.database")

# SQLSTATE classes of a connection that cannot be had or was lost: 08
# (connection exception) and 57P01-57P03 (the server shutting down or
# starting up). A query that fails on a live connection (a deadlock, a
# serialization failure) has another SQLSTATE and stays a 500 with its
# traceback.
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}


def unavailable_reason(exc: BaseException | None) -> str | None:
    """Why the database could not be reached, if ``exc`` (or one of the
    exceptions it was raised from) says so; None for any other error."""
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # SQLite only: a file, nothing to reach
        return None
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, PoolTimeout):
            return _first_line(exc)
        if isinstance(exc, psycopg.OperationalError):
            state = exc.sqlstate
            if state is None or state.startswith("08") or state in _UNAVAILABLE_STATES:
                return _first_line(exc)
            return None
        exc = exc.__cause__ or exc.__context__
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


#: After a socket found the database unreachable, new sockets of this
#: process are refused at once for this many seconds, without waiting for
#: the database again.
REFUSE_FOR = 5.0


class DatabaseUnavailableGuard:
    """ASGI middleware for the WebSocket side: a socket whose session, user
    or room cannot be read because the database is unreachable is refused
    (or, once accepted, closed with 1011) and logged one line per interval.
    Without it every reconnect of every browser in a room (every few
    seconds each) printed a traceback of a hundred lines. Any other error
    is raised as before.

    Channels runs the sockets' database calls on one thread of the process
    (``database_sync_to_async``), so handshakes that each wait the pool's
    timeout would queue behind each other: for ``REFUSE_FOR`` seconds after
    such a failure, a new socket is refused at once (the browser retries
    with its backoff), and the first one after that tries the database."""

    def __init__(self, app):
        self.app = app
        self.refuse_until = 0.0

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket" and time.monotonic() < self.refuse_until:
            log_throttled(
                log,
                "database unavailable",
                "database unavailable (%s): a room socket was refused",
                "a socket found it so in the last few seconds",
                level=logging.ERROR,
            )
            await send({"type": "websocket.close", "code": 1011})
            return
        state = {"accepted": False, "closed": False}

        async def watched(message):
            kind = message.get("type")
            if kind == "websocket.accept":
                state["accepted"] = True
            elif kind == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            self.refuse_until = time.monotonic() + REFUSE_FOR
            log_throttled(
                log,
                "database unavailable",
                "database unavailable (%s): a room socket was %s",
                reason,
                "closed" if state["accepted"] else "refused",
                level=logging.ERROR,
            )
            if not state["closed"]:
                # Before accept, the server answers the handshake with 403.
                with contextlib.suppress(Exception):  # the client may be gone
                    await send({"type": "websocket.close", "code": 1011})
