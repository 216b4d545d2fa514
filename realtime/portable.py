"""The meetings' part of an organization's export (``core.portable``):
meetings with their agendas (items, outcomes, notes, drops), attendance and
minutes (a decision, by its sequence), and the circles' meeting templates.
Meetings come before the rounds (``proposals.portable``): the frame's rounds
have an agenda item as their subject. An agenda item's ``frame`` keeps the
round ids of the site that wrote it (the agenda each round was on, history
only). The live room's sockets and versions stay out: they describe
connections, not the organization.
"""

from core import portable
from core.portable import Table
from realtime.models import AgendaDrop, AgendaItem, Attendance, Meeting, MeetingTemplate


def register() -> None:
    for table in (
        Table(
            "realtime.meeting",
            Meeting,
            rows=lambda org: Meeting.objects.filter(circle__organization=org).order_by("pk"),
            order=46,
        ),
        Table(
            "realtime.agendaitem",
            AgendaItem,
            rows=lambda org: AgendaItem.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=47,
        ),
        Table(
            "realtime.agendadrop",
            AgendaDrop,
            rows=lambda org: AgendaDrop.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=48,
        ),
        Table(
            "realtime.attendance",
            Attendance,
            rows=lambda org: Attendance.objects.filter(meeting__circle__organization=org).order_by(
                "pk"
            ),
            order=49,
        ),
        Table(
            "realtime.meetingtemplate",
            MeetingTemplate,
            rows=lambda org: MeetingTemplate.objects.filter(circle__organization=org).order_by(
                "pk"
            ),
            order=64,
        ),
    ):
        portable.register(table)
