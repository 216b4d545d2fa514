"""Policy reviews: the reminder source of review dates (registered in
``LogbookConfig``).

A policy in force whose review date is ``REMIND_DAYS`` away or fewer (and not
past) is reminded once (a ``ReviewReminder`` per decision) to the circle's
facilitator and secretary, with the decision's permalink. Term ends are not
reminded here: the role assignment is their truth (``elections.reminders``).
"""

from datetime import timedelta

from django.utils import timezone

from circles import selectors as circle_selectors
from core.links import absolute
from core.reminders import Notice, Reminder
from decisions.models import Decision
from logbook.models import ReviewReminder
from logbook.selectors import permalink

REMIND_DAYS = 14


def due_reviews(now):
    today = timezone.localdate(now)
    superseded = Decision.objects.filter(supersedes__isnull=False).values("supersedes_id")
    sent = ReviewReminder.objects.filter(kind=ReviewReminder.Kind.REVIEW).values("decision_id")
    decisions = (
        Decision.objects.exclude(pk__in=superseded)
        .exclude(pk__in=sent)
        .filter(
            review_date__gte=today,
            review_date__lte=today + timedelta(days=REMIND_DAYS),
            circle__isnull=False,
        )
        .select_related("organization", "circle")
        .order_by("organization_id", "sequence")
    )
    for decision in decisions.iterator(chunk_size=500):
        yield Reminder(
            key=f"logbook.review:{decision.pk}",
            recipients=recipients_for(decision),
            subject="logbook/email/review_reminder_subject.txt",
            body="logbook/email/review_reminder_body.txt",
            context={
                "title": decision.title,
                "sequence": decision.sequence,
                "circle": decision.circle.name,
                "review_date": decision.review_date,
                "url": absolute(permalink(decision.organization, decision.sequence)),
            },
            record=_recorder(decision),
            notice=Notice(
                "review_due",
                decision,
                {
                    "title": decision.title,
                    "circle": decision.circle.name,
                    "review_date": decision.review_date.isoformat(),
                },
            ),
        )


def recipients_for(decision) -> list:
    """The circle's facilitator and secretary."""
    return [
        circle_selectors.current_holder(decision.circle, kind)
        for kind in ("facilitator", "secretary")
    ]


def _recorder(decision):
    def record(recipient_ids):
        ReviewReminder.objects.create(
            decision=decision,
            kind=ReviewReminder.Kind.REVIEW,
            sent=timezone.now(),
            recipients=recipient_ids,
        )

    return record
