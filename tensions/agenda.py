"""The tensions' source of due agenda items (``core.agenda``, registered in
``TensionsConfig``): the open tensions of the circle's backlog, proposed for
its next meeting, the oldest arrival first.

An item added to a meeting is an ``other`` item: the tension stays open in
the backlog until a member takes it up (a proposal, a selection, an item) or
answers it, so the meeting talks about it and someone routes it.
"""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.agenda import DueItem
from tensions.models import Tension


def due_items(circle, meeting):
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
            url=reverse(
                "tensions:detail", kwargs={"org": tension.organization.slug, "pk": tension.pk}
            ),
        )
