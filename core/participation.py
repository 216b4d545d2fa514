"""The session port: what a live meeting says about a process it runs.

Outside a meeting, the participants of a proposal's or an election's rounds
are the circle's current members, in the circle's seat order, and its
facilitator is the circle's. Inside a live meeting the meeting decides: the
members present, in the meeting's seat order, and the meeting's facilitator
runs the item. The engines cannot import the meeting app (it sits to their
right), so the meeting app registers a provider here when it starts, and the
engines ask :func:`session_of` (or the two shortcuts below).

A provider takes a subject (a proposal or an election instance) and returns
a :class:`Session` when a meeting that is open runs it as its current or
pending agenda item, else None.
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Session:
    meeting_id: int
    title: str
    #: The meeting's facilitator (a user id), who may run the item's steps.
    facilitator_id: int | None
    #: Reads the members present, in seat order: asked once, when first
    #: needed (whether someone facilitates needs none of it).
    present: Callable[[], Iterable[int]] = field(repr=False, compare=False)
    #: The meeting's secretary (a user id), who may record for someone
    #: present without a device.
    secretary_id: int | None = None

    @cached_property
    def participant_ids(self) -> tuple[int, ...]:
        """The members present, in seat order (the order around the circle)."""
        return tuple(self.present())

    def record(self) -> dict:
        """What a decision's record says of the meeting it was taken in."""
        return {"id": self.meeting_id, "title": self.title}


_providers: list[Callable[[object], Session | None]] = []


def register(provider: Callable[[object], Session | None]) -> None:
    if provider not in _providers:
        _providers.append(provider)


# Within ``reading()``, each subject's session is read once.
_memo: ContextVar[dict | None] = ContextVar("participation_memo", default=None)


def _key(subject) -> tuple[str, int]:
    return (subject._meta.label_lower, subject.pk)


@contextmanager
def reading():
    """Within the block, each subject's session is read once: a page, a
    fragment or a step's check asks for it many times (who takes part, who
    facilitates, each guard) while nothing is written. A block that writes
    must not read a session before its write and rely on it after."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def known(subject, session: Session | None) -> None:
    """Within the current ``reading()`` block, take ``session`` as the session
    of ``subject`` without reading it: a read made after the last write of the
    same request (an acting view answering from what its own broadcast read
    on commit, ``elections.room``). Outside a block, nothing."""
    memo = _memo.get()
    if memo is not None:
        memo[_key(subject)] = session


def recall(subject) -> tuple[bool, Session | None]:
    """(True, the session) when the current ``reading()`` block already knows
    the session of ``subject`` (read, or made ``known``), else (False, None):
    nothing is read."""
    memo = _memo.get()
    key = _key(subject)
    if memo is not None and key in memo:
        return True, memo[key]
    return False, None


def session_of(subject) -> Session | None:
    """The open meeting that runs ``subject`` now, or None."""
    memo = _memo.get()
    key = _key(subject)
    if memo is not None and key in memo:
        return memo[key]
    session = None
    for provider in _providers:
        session = provider(subject)
        if session is not None:
            break
    if memo is not None:
        memo[key] = session
    return session


def participants_override(subject) -> list[int] | None:
    """User ids present in seat order, or None when no meeting has a say."""
    session = session_of(subject)
    return list(session.participant_ids) if session is not None else None


def is_session_facilitator(user, subject) -> bool:
    """Whether ``user`` facilitates the open meeting that runs ``subject``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    session = session_of(subject)
    return session is not None and session.facilitator_id == user.pk


def is_session_secretary(user, subject) -> bool:
    """Whether ``user`` is the secretary of the open meeting that runs ``subject``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    session = session_of(subject)
    return (
        session is not None
        and session.secretary_id is not None
        and (session.secretary_id == user.pk)
    )


def meeting_record(subject) -> dict | None:
    """The ``"meeting"`` field of a decision's record taken on ``subject``."""
    session = session_of(subject)
    return session.record() if session is not None else None
