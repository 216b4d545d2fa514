"""The consent process's source of due agenda items (``core.agenda``,
registered in ``ProposalsConfig``): proposals the next meeting should take up.

- flagged for the next meeting: an objection was raised in an asynchronous
  consent round (``Proposal.flagged_for_meeting``), shown once the round's
  answers are no longer hidden (``selectors.flag_shown``);
- deferred: a meeting or the facilitator deferred it, with a reason.
"""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.agenda import DueItem
from proposals.models import Proposal, ProposalEvent


def _url(proposal) -> str:
    return reverse(
        "proposals:detail", kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk}
    )


def due_items(circle, meeting):
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
