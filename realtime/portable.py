"""The meetings' part of an organization's export (``core.portable``):
meetings with their agendas (items, outcomes, notes, drops), attendance and
minutes (a decision, by its sequence). The live room's sockets and versions
stay out: they describe connections, not the organization.
"""

from core import portable
from core.portable import Table
from realtime.models import AgendaDrop, AgendaItem, Attendance, Meeting


def register() -> None:
    for table in (
        Table(
            "realtime.meeting",
            Meeting,
            rows=lambda org: Meeting.objects.filter(circle__organization=org).order_by("pk"),
            order=60,
        ),
        Table(
            "realtime.agendaitem",
            AgendaItem,
            rows=lambda org: AgendaItem.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=61,
        ),
        Table(
            "realtime.agendadrop",
            AgendaDrop,
            rows=lambda org: AgendaDrop.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=62,
        ),
        Table(
            "realtime.attendance",
            Attendance,
            rows=lambda org: Attendance.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=63,
        ),
    ):
        portable.register(table)
