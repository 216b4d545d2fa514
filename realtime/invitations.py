"""A meeting's invitation: the email to each member of its circle, in their
language, with the agenda and an iCalendar file (the ``icalendar`` library).

The file's UID is stable per meeting (:func:`uid`) and its SEQUENCE is the
meeting's ``sequence``: 0 when scheduled, one more for each change of time
and for the cancellation, so a calendar that holds the invitation updates it
(METHOD:REQUEST) or removes it (METHOD:CANCEL). The meeting's event in the
calendar feeds (:func:`calendar_events`) has the same UID.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import CalendarEvent
from core.links import absolute
from realtime.models import Meeting

#: The feeds list meetings from this long ago on.
FEED_PAST = timedelta(days=90)


def uid(meeting) -> str:
    host = urlsplit(settings.CERCLE_SITE_URL).hostname or "cercle"
    return f"meeting-{meeting.pk}@{host}"


def _summary(meeting) -> str:
    return f"{meeting.title} ({meeting.circle.name})"


def _description(meeting, items) -> str:
    lines = [_("Agenda:")] if items else []
    lines += [f"{item.position}. {item.title}" for item in items]
    return "\n".join([*lines, absolute(meeting.get_absolute_url())]).strip()


def ics(meeting, *, method: str = "REQUEST", attendee=None, items=None) -> bytes:
    """The iCalendar file of ``meeting``'s invitation (``method`` REQUEST or
    CANCEL), in the active language (render it as its recipient:
    ``core.recipients.writing_to``); ``items``, its agenda if already read."""
    items = list(meeting.items.order_by("position")) if items is None else items
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Cercle//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.scheduled_start)
    event.add("dtend", meeting.planned_end)
    event.add("summary", _summary(meeting))
    event.add("description", _description(meeting, items))
    event.add("url", absolute(meeting.get_absolute_url()))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{meeting.facilitator.email}")
    organizer.params["cn"] = icalendar.vText(meeting.facilitator.name)
    event["organizer"] = organizer
    if attendee is not None:
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = icalendar.vText(attendee.name)
        event.add("attendee", address)
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_events(organization, *, circle_ids=None):
    """The ``core.calendar`` source: the organization's meetings from
    ``FEED_PAST`` ago on (cancelled ones marked so)."""
    meetings = (
        Meeting.objects.filter(
            circle__organization=organization,
            scheduled_start__gte=timezone.now() - FEED_PAST,
        )
        .select_related("circle__organization")
        .order_by("scheduled_start")
    )
    if circle_ids is not None:
        meetings = meetings.filter(circle_id__in=list(circle_ids))
    for meeting in meetings[:500]:
        yield CalendarEvent(
            uid=uid(meeting),
            start=meeting.scheduled_start,
            end=meeting.planned_end,
            summary=_summary(meeting),
            description=absolute(meeting.get_absolute_url()),
            url=absolute(meeting.get_absolute_url()),
            sequence=meeting.sequence,
            cancelled=meeting.state == Meeting.State.CANCELLED,
        )
