"""The session port reads a subject's session once within ``reading()``, and
afresh outside it (issue 12: a selection's page asked a dozen times)."""

from core import participation
from core.participation import Session


class _Subject:
    class _meta:  # what a model instance carries
        label_lower = "tests.subject"

    def __init__(self, pk):
        self.pk = pk


def test_a_session_is_read_once_within_reading_and_afresh_outside(monkeypatch):
    calls = []

    def provider(subject):
        calls.append(subject.pk)
        return Session(meeting_id=7, title="Weekly", facilitator_id=1, present=lambda: (1, 2))

    monkeypatch.setattr(participation, "_providers", [provider])
    one, two = _Subject(1), _Subject(2)
    with participation.reading():
        assert participation.participants_override(one) == [1, 2]
        assert participation.session_of(one).meeting_id == 7
        with participation.reading():  # nested: the same memo
            participation.session_of(one)
        participation.session_of(two)
    assert calls == [1, 2]
    participation.session_of(one)
    participation.session_of(one)
    assert calls == [1, 2, 1, 1]


def test_no_session_is_remembered_as_none_too(monkeypatch):
    calls = []

    def provider(subject):
        calls.append(subject.pk)
        return None

    monkeypatch.setattr(participation, "_providers", [provider])
    with participation.reading():
        assert participation.session_of(_Subject(3)) is None
        assert participation.session_of(_Subject(3)) is None
    assert calls == [3]
