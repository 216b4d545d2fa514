"""The selections' source of due agenda items (``core.agenda``, registered in
``ElectionsConfig``): role terms ending before or around the meeting, each
proposed as a selection to open.

A term is due when it ends within ``AHEAD_DAYS`` of the meeting's start (or
has passed). If a selection for the role is open already, that selection is
the item; otherwise adding the item opens one (``services.open_election``,
the new term starting the day after the current one ends). A child circle's
leader is appointed by its parent, and a shared role is assigned directly:
neither is proposed.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from circles.models import Role
from core.agenda import DueItem
from elections import services
from elections.models import Election

AHEAD_DAYS = 45


def _opener(role, term_start):
    def create(by):
        return services.open_election(role=role, by=by, term_start=term_start)

    return create


def due_items(circle, meeting):
    start = meeting.scheduled_start if meeting is not None else timezone.now()
    days = (timezone.localdate(start) - timezone.localdate()).days + AHEAD_DAYS
    terms = circle_selectors.terms_ending(
        circle.organization, within_days=max(days, 0), circle=circle
    ).filter(role__shared=False)
    if circle.parent_id is not None:
        terms = terms.exclude(role__kind=Role.Kind.LEADER)
    terms = list(terms)
    open_elections = {
        e.role_id: e
        for e in Election.objects.filter(role__in=[t.role_id for t in terms]).exclude(
            state__in=Election.CLOSED_STATES
        )
    }
    today = timezone.localdate()
    for assignment in terms:
        role = assignment.role
        ends = formats.date_format(assignment.term_end, "DATE_FORMAT")
        if assignment.term_end < today:
            reason = _("%(holder)s's term as %(role)s ended on %(date)s.")
        else:
            reason = _("%(holder)s's term as %(role)s ends on %(date)s.")
        reason %= {"holder": assignment.user.name, "role": role.name, "date": ends}
        election = open_elections.get(role.pk)
        yield DueItem(
            key=f"elections.term:{assignment.pk}",
            kind="election",
            title=_("Selection: %(role)s") % {"role": role.name},
            reason=reason,
            election=election,
            subject=assignment,
            create=None
            if election is not None
            else _opener(role, max(today, assignment.term_end + timedelta(days=1))),
            due=assignment.term_end,
            url=reverse(
                "elections:election",
                kwargs={"org": circle.organization.slug, "pk": election.pk},
            )
            if election is not None
            else "",
        )
