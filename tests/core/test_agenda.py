"""The agenda registry (``core.agenda``): the contract every source follows."""

from datetime import date

import pytest

from core import agenda
from core.agenda import DueItem
from realtime.models import AgendaItem


@pytest.fixture
def sources():
    """Registered sources restored after the test."""
    saved = dict(agenda._sources)
    yield agenda._sources
    agenda._sources.clear()
    agenda._sources.update(saved)


class _Thing:
    def __init__(self, circle_id):
        self.circle_id = circle_id


class _Circle:
    pk = 1


def test_its_kinds_are_the_agenda_items_kinds():
    """Every kind of agenda item but the meeting's own frame rounds."""
    from realtime.models import FRAME_KINDS

    assert tuple(k for k in AgendaItem.Kind.values if k not in FRAME_KINDS) == agenda.KINDS


def test_the_apps_register_their_sources():
    assert "proposals" in agenda.source_names()


def test_a_due_item_is_checked_when_made():
    with pytest.raises(ValueError):
        DueItem(key="x:1", kind="meeting", title="T", reason="R")
    with pytest.raises(ValueError):
        DueItem(key="x:1", kind="proposal", title="T", reason="R")  # runs nothing
    with pytest.raises(ValueError):
        DueItem(key="x:1", kind="report", title="T", reason="R", proposal=object())
    made = DueItem(key="x:1", kind="election", title="T", reason="R", create=lambda by: None)
    assert made.process is None


def test_items_are_merged_ordered_and_kept_to_their_circle(sources):
    circle = _Circle()
    sources.clear()

    def first(circle, meeting):
        yield DueItem(key="a:1", kind="other", title="Late", reason="r", due=date(2030, 5, 1))
        yield DueItem(key="a:2", kind="report", title="Undated", reason="r")
        yield DueItem(
            key="a:3", kind="other", title="Sibling's", reason="r", subject=_Thing(circle_id=2)
        )

    def second(circle, meeting):
        yield DueItem(key="a:1", kind="other", title="Same key", reason="r")
        yield DueItem(
            key="b:1", kind="other", title="Early", reason="r", due=date(2030, 1, 1),
            subject=_Thing(circle_id=1),
        )  # fmt: skip

    def broken(circle, meeting):
        raise RuntimeError("a broken source")

    agenda.register("a", first)
    agenda.register("b", second)
    agenda.register("c", broken)
    items = agenda.due_items(circle, None)
    assert [i.title for i in items] == ["Early", "Late", "Undated"]
