"""Term ends: the reminder source of role terms (registered in ``ElectionsConfig``).

A term end is reminded here only, from the role assignment itself (the log's
selection entries carry the same date, but an ended or renewed assignment is
not due any more): once per assignment whose term ends within ``REMIND_DAYS``
(or has passed), to the holder and the circle's facilitator and secretary.
"""

from django.urls import reverse

from circles import selectors as circle_selectors
from circles.models import Organization, Role
from core.links import absolute
from core.reminders import Notice, Reminder

REMIND_DAYS = 60


def due_terms(now):
    from elections.models import TermReminder

    sent = TermReminder.objects.values("assignment_id")
    for organization in Organization.objects.all():
        terms = circle_selectors.terms_ending(organization, within_days=REMIND_DAYS)
        for assignment in terms.exclude(pk__in=sent):
            circle = assignment.role.circle
            yield Reminder(
                key=f"elections.term:{assignment.pk}",
                recipients=[
                    assignment.user,
                    circle_selectors.current_holder(circle, Role.Kind.FACILITATOR),
                    circle_selectors.current_holder(circle, Role.Kind.SECRETARY),
                ],
                subject="elections/email/term_reminder_subject.txt",
                body="elections/email/term_reminder_body.txt",
                context={
                    "holder": assignment.user.name,
                    "role": assignment.role.name,
                    "circle": circle.name,
                    "term_end": assignment.term_end,
                    "link": absolute(reverse("elections:new", kwargs={"org": organization.slug})),
                    "role_id": assignment.role_id,
                },
                record=_recorder(assignment, TermReminder),
                notice=Notice(
                    "term_ending",
                    assignment,
                    {
                        "holder": assignment.user.name,
                        "role": assignment.role.name,
                        "circle": circle.name,
                        "term_end": assignment.term_end.isoformat(),
                    },
                ),
            )


def _recorder(assignment, model):
    def record(recipient_ids):
        model.objects.create(assignment=assignment, recipients=recipient_ids)

    return record
