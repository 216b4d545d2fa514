"""What is due in a circle, proposed for its next meeting's agenda.

A meeting's draft agenda fills itself: each app that knows of something due
in a circle (a policy to review, a term ending, a proposal flagged for the
next meeting, a deferred proposal, a relayed decision, a backlog item…)
registers a *source* when it starts::

    # in the app's AppConfig.ready
    from core import agenda
    agenda.register("proposals", proposals.agenda.due_items)

The contract of a source:

- it is a function ``(circle, meeting) -> Iterable[DueItem]``, called while
  the meeting is scheduled (and until it opens) each time its draft is read,
  in the reader's language (so ``reason`` and ``title`` are translated with
  ``gettext`` at call time);
- it yields only what belongs to ``circle`` (never a sibling's, a parent's or
  a child's thing unless it was relayed *to* this circle); the registry drops
  an item whose ``proposal``, ``election`` or ``subject`` has a ``circle_id``
  of another circle, as a safety net, not as the filter;
- each item has a ``key`` stable across calls and meetings, prefixed with the
  source (``"proposals.flagged:12"``, ``"elections.term:7"``): the meeting
  remembers an item dropped by its key (for that meeting only, so it comes
  back for the next one) and an item added by its key (so it is not proposed
  twice); two items with one key are one item (the first source wins);
- ``kind`` is the kind of agenda item it becomes (:data:`KINDS`, the same
  words as ``realtime.AgendaItem.Kind``): ``proposal`` and ``election`` run a
  process, named by ``proposal`` / ``election``, or made when the facilitator
  adds the item by ``create(by)`` (inside the adding transaction, through the
  app's own service: e.g. a selection to open for a term ending); ``report``
  and ``other`` run nothing;
- ``subject`` is any model instance the item is about (the policy's decision,
  the role assignment…), for the page's link and for readers; ``url`` its
  address (a path), if it has a page; ``due`` the date that makes it due
  (the draft lists the earliest first);
- a source reads only (no writes); it must be cheap (one or two queries):
  the meeting page calls every source.

``core`` knows no app: the sources belong to the apps, and ``realtime``
(meetings) reads :func:`due_items`, filters out what the meeting dropped or
already holds, and turns an added item into an agenda item.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

logger = logging.getLogger(__name__)

#: The kinds of agenda item a due item may become (``realtime.AgendaItem.Kind``
#: but the meeting's frame rounds, which a template lays out).
KINDS = ("proposal", "election", "report", "other")
#: The kinds that run a process, named by the field of the same name.
PROCESS_KINDS = ("proposal", "election")


@dataclass(frozen=True)
class DueItem:
    """One thing due in a circle, proposed for a meeting's agenda."""

    key: str
    kind: str
    title: str
    #: Why it is proposed, in the reader's language ("Review date 3 March").
    reason: str
    proposal: object = None
    election: object = None
    #: What the item is about (any model instance), if anything.
    subject: object = None
    #: For a process item with no process yet: ``create(by)`` makes it when
    #: the facilitator adds the item (in the adding transaction) and returns
    #: the proposal or election the agenda item runs.
    create: Callable[[object], object] | None = None
    #: The date that makes it due (a review date, a term end…), if any.
    due: date | None = None
    #: A path to the thing's page, if it has one.
    url: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"DueItem {self.key!r}: unknown kind {self.kind!r}")
        if not self.key or not self.title:
            raise ValueError(f"DueItem {self.key!r}: a key and a title are required")
        if self.kind in PROCESS_KINDS:
            if getattr(self, self.kind) is None and self.create is None:
                raise ValueError(f"DueItem {self.key!r}: a {self.kind} or create(by) is required")
        elif self.proposal is not None or self.election is not None or self.create is not None:
            raise ValueError(f"DueItem {self.key!r}: a {self.kind} item runs no process")

    @property
    def process(self):
        """The proposal or election the item runs now (None until made)."""
        return self.proposal if self.kind == "proposal" else self.election


Source = Callable[[object, object], Iterable[DueItem]]

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Register an app's source of due items (once, from ``AppConfig.ready``)."""
    _sources[name] = source


def source_names() -> list[str]:
    return sorted(_sources)


def _belongs(item: DueItem, circle) -> bool:
    for thing in (item.proposal, item.election, item.subject):
        circle_id = getattr(thing, "circle_id", None)
        if circle_id is not None and circle_id != circle.pk:
            return False
    return True


def due_items(circle, meeting=None) -> list[DueItem]:
    """Everything due in ``circle`` for ``meeting``, from every source, each
    key once, the earliest due first (undated ones last, in source order).

    A source that fails is logged and skipped: a broken source must not take
    the meeting page down with it.
    """
    found: dict[str, DueItem] = {}
    for name in source_names():
        try:
            items = list(_sources[name](circle, meeting))
        except Exception:
            logger.exception("agenda source %s failed", name)
            continue
        for item in items:
            if not _belongs(item, circle):
                logger.warning("agenda source %s: %s is of another circle", name, item.key)
                continue
            found.setdefault(item.key, item)
    ordered = list(found.values())
    ordered.sort(key=lambda item: (item.due is None, item.due or date.min))
    return ordered
