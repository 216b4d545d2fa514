"""The consent process's source of due agenda items (``core.agenda``,
registered in ``ProposalsConfig``): proposals the next meeting should take up.

- flagged for the next meeting: an objection was raised in an asynchronous
  consent round (``Proposal.flagged_for_meeting``), shown once the round's
  answers are no longer hidden (``selectors.flag_shown``);
- deferred: a meeting or the facilitator deferred it, with a reason;
- a policy to review: a policy of the circle in force (not superseded) whose
  review date is within ``REVIEW_AHEAD_DAYS`` of the meeting or past. If an
  open proposal amends it, that proposal is the item; otherwise adding the
  item drafts one (the policy's text, amending it), which the circle renews
  as it is or amends.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.agenda import DueItem
from decisions.models import Decision
from proposals import services
from proposals.models import Proposal, ProposalEvent

REVIEW_AHEAD_DAYS = 30


def _url(proposal) -> str:
    return reverse(
        "proposals:detail", kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk}
    )


def due_items(circle, meeting):
    yield from _reviews(circle, meeting)
    yield from _flagged_and_deferred(circle)


def _drafter(circle, decision):
    def create(by):
        return services.create_proposal(
            circle=circle, by=by, title=decision.title, body=decision.body, amends=decision
        )

    return create


def _reviews(circle, meeting):
    start = meeting.scheduled_start if meeting is not None else timezone.now()
    horizon = timezone.localdate(start) + timedelta(days=REVIEW_AHEAD_DAYS)
    superseded = Decision.objects.filter(supersedes__isnull=False).values("supersedes_id")
    policies = (
        Decision.objects.filter(circle=circle, kind=Decision.Kind.POLICY, review_date__lte=horizon)
        .exclude(pk__in=superseded)
        .order_by("review_date", "sequence")
    )
    policies = list(policies)
    amending = {
        p.amends_id: p
        for p in Proposal.objects.filter(amends__in=policies)
        .exclude(state__in=[Proposal.State.ADOPTED, Proposal.State.WITHDRAWN])
        .select_related("circle__organization")
        .order_by("created", "pk")
    }
    today = timezone.localdate()
    for decision in policies:
        when = formats.date_format(decision.review_date, "DATE_FORMAT")
        if decision.review_date < today:
            reason = _("Policy #%(n)d was due for review on %(date)s.")
        else:
            reason = _("Policy #%(n)d is due for review on %(date)s.")
        proposal = amending.get(decision.pk)
        yield DueItem(
            key=f"proposals.review:{decision.pk}",
            kind="proposal",
            title=_("Review: %(title)s") % {"title": decision.title},
            reason=reason % {"n": decision.sequence, "date": when},
            proposal=proposal,
            subject=decision,
            create=None if proposal is not None else _drafter(circle, decision),
            due=decision.review_date,
            url=_url(proposal) if proposal is not None else decision.get_absolute_url(),
        )


def _flagged_and_deferred(circle):
    proposals = (
        Proposal.objects.filter(circle=circle)
        .filter(flagged_for_meeting=True)
        .exclude(state__in=[Proposal.State.CONSENT, Proposal.State.ADOPTED])
        .select_related("circle__organization")
        .order_by("created", "pk")
    )
    for proposal in proposals:
        yield DueItem(
            key=f"proposals.flagged:{proposal.pk}",
            kind="proposal",
            title=proposal.title,
            reason=_("An objection was raised in its consent round outside a meeting."),
            proposal=proposal,
            url=_url(proposal),
        )
    deferred = (
        Proposal.objects.filter(circle=circle, state=Proposal.State.DEFERRED)
        .select_related("circle__organization")
        .order_by("created", "pk")
    )
    events = {
        event.proposal_id: event
        for event in ProposalEvent.objects.filter(proposal__in=deferred, action="defer").order_by(
            "at", "pk"
        )
    }  # the last deferral of each wins
    for proposal in deferred:
        event = events.get(proposal.pk)
        when = timezone.localdate(event.at) if event else None
        if event is not None and event.reason:
            reason = _("Deferred on %(date)s: %(reason)s") % {
                "date": formats.date_format(when, "DATE_FORMAT"),
                "reason": event.reason,
            }
        else:
            reason = _("Deferred to a later meeting.")
        yield DueItem(
            key=f"proposals.deferred:{proposal.pk}",
            kind="proposal",
            title=proposal.title,
            reason=reason,
            proposal=proposal,
            due=when,
            url=_url(proposal),
        )
