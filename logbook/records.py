"""A process record as the log pages read it (docs/RECORDS.md).

A record is a JSON dict. Given to a template as a dict, ``record.items``
resolves to the dict's own ``.items()`` method when the record has no
``items`` key (every record but the minutes'), and the page showed an empty
numbered "Agenda" list for 66 entries out of 67; ``record.keys``,
``record.values`` and ``record.get`` have the same trap.

``RecordView`` exposes the record's fields by name and nothing else: a field
the record does not have is None, whatever its name; nested dicts are views
too, lists are lists of views.
"""

from typing import Any


class RecordView:
    """The fields of a JSON dict by name, for templates; a missing field is None."""

    __slots__ = ("_data",)

    def __init__(self, data: Any):
        self._data = data if isinstance(data, dict) else {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return view(self._data.get(name))

    def __bool__(self) -> bool:
        return bool(self._data)

    def __repr__(self) -> str:
        return f"RecordView({self._data!r})"


def view(value: Any):
    """A dict as a RecordView, a list element by element, anything else as it is."""
    if isinstance(value, dict):
        return RecordView(value)
    if isinstance(value, list):
        return [view(v) for v in value]
    return value


def changes(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field an edit changed, in the order written."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
