"""The meetings' jobs (``core.jobs``): the invitations, sent after the change
that calls for them commits, once per member and change (``send_once``)."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from circles import selectors as circle_selectors
from core import jobs, recipients
from core.jobs import job
from core.links import absolute
from realtime import invitations
from realtime.models import Meeting

#: What each kind of invitation sends as its iCalendar METHOD.
METHODS = {"scheduled": "REQUEST", "moved": "REQUEST", "cancelled": "CANCEL"}


@job
def send_invitations(*, meeting_id: int, sequence: int, kind: str) -> int:
    """Email each current member of the meeting's circle its invitation (or
    its update, or its cancellation) in their own language; the number sent
    now. A job of an older sequence sends nothing: the later change's job
    sends the meeting as it is."""
    meeting = (
        Meeting.objects.select_related("circle", "circle__organization", "facilitator")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or meeting.sequence != sequence:
        return 0
    method = METHODS[kind]
    items = list(meeting.items.order_by("position"))
    sent = 0
    for user in circle_selectors.current_members(meeting.circle).order_by("pk"):
        if not user.email or not user.is_active:
            continue
        with recipients.writing_to(user):
            context = {
                "meeting": meeting,
                "circle": meeting.circle.name,
                "items": items,
                "kind": kind,
                "recipient": user,
                "url": absolute(meeting.get_absolute_url()),
            }
            subject = " ".join(
                render_to_string("realtime/email/invitation_subject.txt", context).split()
            )
            body = render_to_string("realtime/email/invitation_body.txt", context)
            # The calendar file's words too (its description's "Agenda:").
            calendar = invitations.ics(meeting, method=method, attendee=user, items=items)
        message = EmailMultiAlternatives(subject[:200], body, None, [user.email])
        message.attach("meeting.ics", calendar, f"text/calendar; method={method}; charset=utf-8")
        key = f"meeting_invitation:{meeting.pk}:{sequence}:{user.pk}"
        sent += int(jobs.send_once(key=key, message=message))
    return sent
