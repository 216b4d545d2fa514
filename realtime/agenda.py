"""The meetings' own source of due agenda items (``core.agenda``, registered
in ``RealtimeConfig``): what the circle's last closed meeting left
unfinished (an item whose outcome is "deferred to the next meeting" and
whose proposal, if any, is still open)."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.agenda import DueItem
from realtime import subjects
from realtime.models import AgendaItem, Meeting


def due_items(circle, meeting):
    last = (
        Meeting.objects.filter(circle=circle, state=Meeting.State.CLOSED)
        .exclude(pk=getattr(meeting, "pk", None))
        .order_by("-ended", "-pk")
        .first()
    )
    if last is None:
        return
    when = formats.date_format(
        timezone.localdate(last.ended or last.scheduled_start), "DATE_FORMAT"
    )
    items = AgendaItem.objects.filter(
        meeting=last, outcome=AgendaItem.Outcome.DEFERRED
    ).select_related("proposal", "election")
    for item in items:
        subject = item.subject
        if subject is not None and not subjects.may_go_on_agenda(subject):
            continue  # adopted, withdrawn, made or cancelled since
        yield DueItem(
            key=f"realtime.carried:{item.pk}",
            kind=item.kind,
            title=item.title,
            reason=_("Not finished at the meeting of %(date)s.") % {"date": when},
            proposal=item.proposal,
            election=item.election,
            subject=subject,
        )
