"""The tensions' source of due agenda items (``core.agenda``, registered in
``TensionsConfig``): the open tensions of the circle's backlog, proposed for
its next meeting, the oldest arrival first.

An item added to a meeting is an ``other`` item: the tension stays open in
the backlog until a member takes it up (a proposal, a selection, an item) or
answers it, so the meeting talks about it and someone routes it.

A tension a plain member took up "as an item for the next meeting" (they do
not arrange the agenda: ``services.take``) is proposed too, until the
facilitator adds it to a meeting that is not cancelled (its key is then that
item's ``source_key``); dropped, it comes back for the next meeting.
"""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.agenda import DueItem
from realtime.models import AgendaItem, Meeting
from tensions.models import Tension, TensionEvent

PROPOSED = "tensions.proposed:"


def _url(tension) -> str:
    return reverse("tensions:detail", kwargs={"org": tension.organization.slug, "pk": tension.pk})


def _proposed(circle):
    """Tensions taken up as an item by someone who does not arrange the
    agenda, not on a (non-cancelled) meeting's agenda yet."""
    taken = list(
        Tension.objects.filter(
            circle=circle,
            state=Tension.State.TAKEN,
            outcome=Tension.Outcome.AGENDA_ITEM,
            agenda_item__isnull=True,
        )
        .select_related("organization", "raised_by")
        .order_by("closed", "pk")
    )
    if not taken:
        return
    keys = {f"{PROPOSED}{t.pk}": t for t in taken}
    placed = set(
        AgendaItem.objects.filter(source_key__in=keys)
        .exclude(meeting__state=Meeting.State.CANCELLED)
        .values_list("source_key", flat=True)
    )
    takers = {
        event.tension_id: event.by
        for event in TensionEvent.objects.filter(
            tension__in=taken, action=TensionEvent.Action.TAKEN
        ).select_related("by")
    }
    for key, tension in keys.items():
        if key in placed:
            continue
        yield DueItem(
            key=key,
            kind="other",
            title=tension.title,
            reason=_("Taken up by %(who)s for this meeting: a tension raised by %(raiser)s.")
            % {
                "who": takers[tension.pk].name if takers.get(tension.pk) else "…",
                "raiser": tension.raised_by.name,
            },
            subject=tension,
            due=timezone.localdate(tension.closed),
            url=_url(tension),
        )


def due_items(circle, meeting):
    yield from _proposed(circle)
    backlog = (
        Tension.objects.filter(circle=circle, state=Tension.State.OPEN)
        .select_related("organization", "raised_by")
        .order_by("arrived", "pk")
    )
    for tension in backlog:
        arrived = timezone.localdate(tension.arrived)
        yield DueItem(
            key=f"tensions.backlog:{tension.pk}",
            kind="other",
            title=tension.title,
            reason=_("A tension raised by %(who)s, in the backlog since %(date)s.")
            % {"who": tension.raised_by.name, "date": formats.date_format(arrived, "DATE_FORMAT")},
            subject=tension,
            due=arrived,
            url=_url(tension),
        )
