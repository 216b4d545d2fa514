"""The log's reading side in an organization's export (``core.portable``).

The records of the log name people by the ids of the instance that recorded
them, and the hash covers them, so they travel unchanged. Who an entry names
(``DecisionPerson``, the index of the log's person filter) is written with
people's email addresses instead, and read back onto the people of this
instance: after a move, the filter finds the same people in the same entries.
Review reminders already sent travel too, so none is sent twice.
Private feed links stay out (each is a token).
"""

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils.translation import gettext as _

from core import portable
from core.portable import Refused, Table
from decisions.models import LogHead
from logbook.models import DecisionPerson, PersonIndexState, ReviewReminder
from logbook.selectors import ensure_person_index


def _people_index(organization) -> list[DecisionPerson]:
    """The index, by entry, then person's email and role (ids differ between
    instances, emails do not)."""
    ensure_person_index(organization)
    rows = list(
        DecisionPerson.objects.filter(organization=organization).annotate(
            sequence=F("decision__sequence")
        )
    )
    emails = dict(
        get_user_model()
        .objects.filter(pk__in={row.user_id for row in rows})
        .values_list("pk", "email")
    )
    rows = [row for row in rows if row.user_id in emails]
    rows.sort(key=lambda row: (row.sequence, emails[row.user_id].lower(), row.role))
    return rows


def _dump_user(value, refs):
    return refs.email(value)


def _load_user(value, refs):
    if not isinstance(value, str):
        raise Refused(_("A person of the log's index has no email address."))
    return refs.user_id(value)


class PeopleIndex(Table):
    def load(self, organization, rows, refs) -> None:
        super().load(organization, rows, refs)
        head = LogHead.objects.filter(organization=organization).first()
        PersonIndexState.objects.update_or_create(
            organization=organization, defaults={"sequence": head.sequence if head else 0}
        )


def register() -> None:
    portable.register(
        PeopleIndex(
            "logbook.decisionperson",
            DecisionPerson,
            rows=_people_index,
            order=21,
            translate={
                "user_id": (
                    _dump_user,
                    _load_user,
                    {"type": "string", "format": "email", "description": "a person (people)"},
                )
            },
            description="Who each entry names, and how (the log's person filter)",
        )
    )
    portable.register(
        Table(
            "logbook.reviewreminder",
            ReviewReminder,
            rows=portable.rows_of(ReviewReminder, "decision__organization"),
            order=22,
            description="Review reminders sent (each is sent once)",
        )
    )
