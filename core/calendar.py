"""Timed events for the calendar feeds, from the apps that have them.

The log's iCalendar feeds (``logbook.feeds``) list review dates and term
ends; meetings live in an app the log pages may not import. So an app with
events registers a source in its ``AppConfig.ready``
(``register(name, source)``): a function ``(organization, *, circle_ids)``
yielding :class:`CalendarEvent` (``circle_ids`` None for every circle of
the organization, else only those circles'). The feeds keep their own
visibility and token rules; a source only reads.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CalendarEvent:
    #: Stable per thing (a meeting's invitation carries the same UID).
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    url: str = ""
    #: iCalendar SEQUENCE: one more for each change of time.
    sequence: int = 0
    cancelled: bool = False


Source = Callable[..., Iterable[CalendarEvent]]

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _sources[name] = source


def events(organization, *, circle_ids=None) -> list[CalendarEvent]:
    """Every registered source's events of ``organization`` (of ``circle_ids`` only, if given)."""
    found: list[CalendarEvent] = []
    for name in sorted(_sources):
        found.extend(_sources[name](organization, circle_ids=circle_ids))
    return found
