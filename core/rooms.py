"""What a process shows in a meeting room: its face.

Each process app publishes one module that satisfies :class:`RoomFace`
(``proposals/room.py``, ``elections/room.py``). The meeting app knows a
process only through it (and the session port, ``core.participation``): it
never imports a process's views nor names a process's element ids.

A face renders two parts, never mixed:

- the shared part: viewer-free HTML, rendered once per change and sent to
  every socket of the room, so it never holds a hidden answer or nomination;
- the viewer's own part: their forms and buttons for the step the process is
  at, rendered per viewer over HTTP, and the answer to an action taken from
  it (the process's views answer with it when htmx names ``MINE_ID`` as the
  target).

A process's face (proposals, elections) also gives ``sheets(subject, *,
context="")``: its round sheets still to come (``core.sheets.Sheet``), which
the meeting's round sheets list per item (``realtime.subjects.sheets_of``).
"""

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe


@runtime_checkable
class RoomFace(Protocol):
    #: The agenda item's kind (and its foreign key's name) for this process.
    KIND: str
    #: The model's label (``app_label.model_name``) of the process's subject.
    LABEL: str
    #: The element id of the viewer's part; forms inside it target it.
    MINE_ID: str

    def agenda_choices(self, circle):
        """The subjects of ``circle`` that may go on a meeting's agenda."""

    def agenda_label(self, subject) -> str:
        """How the agenda form names ``subject``."""

    def shared(self, subject) -> dict:
        """The viewer-free part of ``subject`` for everyone in the room:
        ``html``, its fragment (a :class:`PerLanguage`: the room is sent in
        each language someone reads it in), and the open round (``round``,
        ``answered``, ``expected``: who answered is counted, never what),
        read together."""

    def mine_html(self, request, subject) -> str:
        """The viewer's own forms and buttons, or "" when they have no part."""


class PerLanguage:
    """A face's shared HTML, rendered in the language active where a template
    shows it, once per language: the process is read once per change, and
    each language's room gets its words (a French room never shows the
    English of the person who acted)."""

    def __init__(self, render: Callable[[], str]):
        self._render = render
        self._html: dict[str, SafeString] = {}

    def __html__(self) -> SafeString:
        language = translation.get_language() or ""
        if language not in self._html:
            self._html[language] = mark_safe(self._render())  # noqa: S308 - a face's template
        return self._html[language]

    def __str__(self) -> str:
        return self.__html__()
