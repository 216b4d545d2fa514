"""The double-link ledger's source of due agenda items (``core.agenda``,
registered in ``CirclesConfig``): every relay waiting for a circle is
proposed for its next meeting, the oldest first, with who carries it.

An added relay is a ``report`` item (it runs no process: the carrier presents
it and the circle takes note). The meeting's close presents it: the meeting
app finds the relay by the item's key (``relays.of_agenda_key``) and calls
``relays.presented_in_meeting`` with the minutes, in the closing transaction.
A relay dropped from one meeting's draft comes back for the next one, as
every due item does, until it is presented or acknowledged.
"""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from circles import relays
from circles.models import Relay
from core.agenda import DueItem


def reason(relay) -> str:
    """ "Relayed from <circle>: decision #N of <date>, carried by <person>"."""
    values = {
        "circle": relay.source.name,
        "number": relay.decision.sequence,
        "date": formats.date_format(timezone.localdate(relay.decision.decided_at), "DATE_FORMAT"),
    }
    holder = relays.carrier(relay)
    up = relay.direction == Relay.Direction.UP
    if holder is None:
        if up:
            text = _(
                "Relayed from %(circle)s: decision #%(number)s of %(date)s; no delegate carries it."
            )
        else:
            text = _(
                "Relayed from %(circle)s: decision #%(number)s of %(date)s; no leader carries it."
            )
        return text % values
    values["carrier"] = holder.name
    if up:
        text = _(
            "Relayed from %(circle)s: decision #%(number)s of %(date)s, "
            "carried by its delegate %(carrier)s."
        )
    else:
        text = _(
            "Relayed from %(circle)s: decision #%(number)s of %(date)s, "
            "carried by the leader %(carrier)s."
        )
    return text % values


def due_items(circle, meeting):
    for relay in relays.inbox(circle).select_related("decision__circle"):
        yield DueItem(
            key=relays.agenda_key(relay),
            kind="report",
            title=_("From %(circle)s: %(title)s")
            % {"circle": relay.source.name, "title": relay.decision.title},
            reason=reason(relay),
            subject=relay,
            due=timezone.localdate(relay.marked_at),
            url=relay.decision.get_absolute_url(),
        )
