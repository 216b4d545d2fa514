"""Consent deadlines: the reminder source of asynchronous consent rounds
(registered in ``ProposalsConfig``).

While a proposal is open for consent until a deadline, each participant who
has not answered yet is reminded once (a ``ConsentReminder`` per member and
round), with a link to the proposal's page.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse

from core.links import absolute
from core.reminders import Notice, Reminder
from proposals import rounds
from proposals.models import ConsentReminder, Proposal


def due_consents(now):
    proposals = Proposal.objects.filter(
        state=Proposal.State.CONSENT, consent_deadline__gt=now
    ).select_related("circle", "circle__organization")
    for proposal in proposals:
        round_ = rounds.open_round_of(proposal)
        if round_ is None:
            continue
        reminded = set(
            ConsentReminder.objects.filter(round=round_).values_list("member_id", flat=True)
        )
        missing = set(round_.speakers) - rounds.answered_ids(round_) - reminded
        url = absolute(
            reverse(
                "proposals:detail",
                kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk},
            )
        )
        for user in get_user_model().objects.filter(pk__in=missing).order_by("pk"):
            yield Reminder(
                key=f"proposals.consent:{round_.pk}:{user.pk}",
                recipients=[user],
                subject="proposals/email/consent_reminder_subject.txt",
                body="proposals/email/consent_reminder_body.txt",
                context={
                    "title": proposal.title,
                    "circle": proposal.circle.name,
                    "deadline": proposal.consent_deadline,
                    "url": url,
                },
                record=_recorder(proposal, round_, user, now),
                notice=Notice(
                    "consent_deadline",
                    proposal,
                    {
                        "title": proposal.title,
                        "circle": proposal.circle.name,
                        "deadline": proposal.consent_deadline.isoformat(),
                    },
                ),
            )


def _recorder(proposal, round_, user, now):
    def record(recipient_ids):
        ConsentReminder.objects.create(proposal=proposal, round=round_, member=user)
        # The proposal shows when its members were first reminded.
        Proposal.objects.filter(pk=proposal.pk, reminded__isnull=True).update(reminded=now)

    return record
