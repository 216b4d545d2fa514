"""The notification port: a service says what happened; the notifications app
tells the people it concerns.

A service calls :func:`announce` inside its transaction with the event's kind
(``notifications.kinds``), its subject (a model instance) and the plain values
its text needs. Nothing is computed in the request: one job, enqueued with the
transaction (``core.jobs.enqueue``), finds the concerned people and writes
their notifications and emails. A change that rolls back announces nothing.

:func:`told` is for a message that already went out by email (a reminder, an
invitation): the in-app notification is recorded as emailed.

``core`` knows no app: the notifications app registers the handler when it
starts; without it, announcing does nothing.
"""

import uuid
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Event:
    kind: str
    #: The subject's model label (``proposals.proposal``) and primary key.
    subject: str
    subject_id: int
    #: Plain values (strings, numbers) for the text; ``by`` is the actor's id,
    #: who is never told of their own act.
    params: dict = field(default_factory=dict)
    #: Stable for the event: one notification per person per key.
    key: str = ""


class Handler(Protocol):
    def announce(self, event: Event) -> None: ...

    def told(self, event: Event, recipient_ids: list[int], emailed_ids=None) -> None: ...

    def email_now(self, kind: str, recipient_ids: list[int]) -> set[int]: ...


_handler: Handler | None = None


def register(handler: Handler) -> None:
    global _handler
    _handler = handler


def _event(kind: str, subject, key: str, params: dict) -> Event:
    return Event(
        kind=kind,
        subject=subject._meta.label_lower,
        subject_id=subject.pk,
        params=params,
        key=key or f"{kind}:{uuid.uuid4().hex}",
    )


def announce(kind: str, *, subject, key: str = "", **params) -> None:
    """Inside a service's transaction: tell the people ``kind`` concerns, by one job."""
    if _handler is not None:
        _handler.announce(_event(kind, subject, key, params))


def told(
    kind: str, *, subject, recipient_ids: list[int], key: str, emailed_ids=None, **params
) -> None:
    """Record that ``recipient_ids`` were told (in the caller's transaction):
    ``emailed_ids`` (all of them when None) by an email of the caller's; the
    others' notification waits for their digest, or stays in-app."""
    if _handler is not None and recipient_ids:
        _handler.told(_event(kind, subject, key, params), recipient_ids, emailed_ids)


def email_now(kind: str, recipient_ids: list[int]) -> set[int]:
    """Those of ``recipient_ids`` who take ``kind`` by email immediately (their
    preference, else the kind's default): a reminder emails only them. Without
    the notifications app, everyone."""
    if _handler is None:
        return set(recipient_ids)
    return _handler.email_now(kind, recipient_ids)
