"""The proposing port: a structure app opens a consent proposal.

A change of a circle's definitions, once its set-up is finished, is decided
by consent (``circles.services.propose_change``). The circles app cannot
import the consent engine (it sits to its right), so the engine registers
its opener here when it starts (``proposals.apps``), and the circles app
calls :func:`open_proposal`.
"""

from collections.abc import Callable

_opener: Callable | None = None


def register(opener: Callable) -> None:
    """``opener(*, circle, by, title, body, change, key)`` -> the new proposal."""
    global _opener
    _opener = opener


def open_proposal(*, circle, by, title: str, body: str, change: dict, key=None):
    if _opener is None:
        raise RuntimeError("no consent engine is installed (proposals)")
    return _opener(circle=circle, by=by, title=title, body=body, change=change, key=key)
