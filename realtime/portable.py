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
            rows=portable.rows_of(Meeting, "circle__organization"),
            order=46,
        ),
        Table(
            "realtime.agendaitem",
            AgendaItem,
            rows=portable.rows_of(AgendaItem, "meeting__circle__organization"),
            order=47,
        ),
        Table(
            "realtime.agendadrop",
            AgendaDrop,
            rows=portable.rows_of(AgendaDrop, "meeting__circle__organization"),
            order=48,
        ),
        Table(
            "realtime.attendance",
            Attendance,
            rows=portable.rows_of(Attendance, "meeting__circle__organization"),
            order=49,
        ),
        Table(
            "realtime.meetingtemplate",
            MeetingTemplate,
            rows=portable.rows_of(MeetingTemplate, "circle__organization"),
            order=64,
        ),
    ):
        portable.register(table)
