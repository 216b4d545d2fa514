"""Review reminders: one email per decision and kind (review date, term end).

Run daily by ``manage.py send_review_reminders``. A ReviewReminder row per
(decision, kind), written in the same transaction as the choice to send, makes
the command idempotent: a second run the same day (or any later day) sends
nothing for a decision already reminded.
"""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from circles import selectors as circle_selectors
from core.links import absolute
from decisions.models import Decision
from logbook.models import ReviewReminder
from logbook.selectors import permalink

REMIND_DAYS = 14


def _due_pairs(today, horizon):
    superseded = Decision.objects.filter(supersedes__isnull=False).values("supersedes_id")
    qs = (
        Decision.objects.exclude(pk__in=superseded)
        .filter(
            Q(review_date__gte=today, review_date__lte=horizon)
            | Q(term_end__gte=today, term_end__lte=horizon)
        )
        .select_related("organization", "circle")
        .order_by("organization_id", "sequence")
    )
    for decision in qs.iterator(chunk_size=500):
        if decision.review_date and today <= decision.review_date <= horizon:
            yield decision, ReviewReminder.Kind.REVIEW, decision.review_date
        if decision.term_end and today <= decision.term_end <= horizon:
            yield decision, ReviewReminder.Kind.TERM_END, decision.term_end


def recipients_for(decision) -> list:
    """The circle's facilitator and secretary (one email each, no duplicates)."""
    if decision.circle is None:
        return []
    people = []
    for kind in ("facilitator", "secretary"):
        user = circle_selectors.current_holder(decision.circle, kind)
        if user is not None and user.email and user not in people:
            people.append(user)
    return people


def send_review_reminders(*, today=None) -> int:
    """Send the reminders due today; returns how many emails were sent."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=REMIND_DAYS)
    sent = 0
    for decision, kind, day in _due_pairs(today, horizon):
        people = recipients_for(decision)
        try:
            with transaction.atomic():
                # The unique (decision, kind) row is the idempotency key: a
                # second run, or two runs at once, cannot remind twice.
                ReviewReminder.objects.create(
                    decision=decision,
                    kind=kind,
                    sent=timezone.now(),
                    recipients=[u.pk for u in people],
                )
                for user in people:
                    _send(decision, kind, day, user)
                    sent += 1
        except IntegrityError:
            continue
    return sent


def _send(decision, kind, day, user) -> None:
    url = absolute(permalink(decision.organization, decision.sequence))
    with override(getattr(user, "language", None) or decision.organization.language):
        if kind == ReviewReminder.Kind.REVIEW:
            subject = _("Review due on %(date)s: %(title)s")
        else:
            subject = _("Term ends on %(date)s: %(title)s")
        subject = subject % {"date": day.isoformat(), "title": decision.title}
        body = _(
            "Hello %(name)s,\n\n%(what)s of the circle “%(circle)s” on %(date)s:\n"
            "#%(seq)d %(title)s\n%(url)s\n\n"
            "As facilitator or secretary, you can put it on the agenda of a meeting "
            "and start the review from the decision's page.\n"
        ) % {
            "name": user.name,
            "what": _("A review is due")
            if kind == ReviewReminder.Kind.REVIEW
            else _("A term ends"),
            "circle": decision.circle.name,
            "date": day.isoformat(),
            "seq": decision.sequence,
            "title": decision.title,
            "url": url,
        }
    send_mail(subject[:200], body, None, [user.email])
