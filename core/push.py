"""A port: push an HTML fragment to one person's open sockets.

``notifications`` refreshes the bell of whoever has a page with a socket
open (the live room) the moment a notification is written for them;
``realtime`` owns the sockets and registers the pusher when it starts
(``realtime.broadcast.UserPusher``). ``core`` knows neither: without a
pusher registered nothing is pushed, and pages poll as before.
"""

import logging
from collections.abc import Iterable
from typing import Protocol

from core.events import log_throttled

log = logging.getLogger(__name__)


class Pusher(Protocol):
    def connected(self, user_ids: Iterable[int]) -> set[int]:
        """Those of ``user_ids`` with a socket open now."""

    def send(self, user_id: int, html: str) -> None:
        """Hand ``html`` to ``user_id``'s sockets (never waits for them)."""


_pusher: Pusher | None = None


def register(pusher: Pusher | None) -> None:
    global _pusher
    _pusher = pusher


def connected(user_ids: Iterable[int]) -> set[int]:
    if _pusher is None:
        return set()
    try:
        return _pusher.connected(list(user_ids))
    except Exception as exc:  # a push is a nicety: the poll still shows it
        log_throttled(log, "push connected", "push: who is connected unknown (%r)", exc)
        return set()


def send(user_id: int, html: str) -> None:
    if _pusher is None:
        return
    try:
        _pusher.send(user_id, html)
    except Exception as exc:
        log_throttled(log, "push send", "push to a person not sent (%r)", exc)
