"""The selections' part of an organization's export (``core.portable``):
each selection, its nominations and its steps. Nominations are written only
once the facilitator has shown them (before that, nobody but their authors
may see them); their rounds are the consent process's part.
"""

from core import portable
from core.portable import Table
from elections.models import Election, ElectionEvent, Nomination, TermReminder


def register() -> None:
    for table in (
        Table(
            "elections.election",
            Election,
            rows=portable.rows_of(Election, "circle__organization"),
            order=45,
            description="Selections without candidates",
        ),
        Table(
            "elections.nomination",
            Nomination,
            rows=lambda org: Nomination.objects.filter(
                election__circle__organization=org, election__nominations_shown__isnull=False
            ).order_by("pk"),
            order=55,
            description="Nominations, once shown",
        ),
        Table(
            "elections.electionevent",
            ElectionEvent,
            rows=portable.rows_of(ElectionEvent, "election__circle__organization"),
            order=56,
        ),
        Table(
            "elections.termreminder",
            TermReminder,
            rows=portable.rows_of(TermReminder, "assignment__role__circle__organization"),
            order=57,
            description="Term-end reminders sent (each is sent once)",
        ),
    ):
        portable.register(table)
