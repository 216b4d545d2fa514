"""A proposal's round sheets (``core.sheets``): the rounds still to come.

Each sheet lists the people in the order the round goes: the open round's
own speaker order, else who takes part now in seat order
(``circles.selectors.participants_of``: the members present when a meeting
runs the proposal).
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from core.sheets import Sheet
from proposals import rounds
from proposals.models import Proposal, Round

S = Proposal.State
K = Round.Kind

#: The rounds still to come from each state (none once the proposal is closed).
TO_COME = {
    S.DRAFT: [K.CLARIFYING, K.REACTION, K.CONSENT],
    S.PRESENTED: [K.CLARIFYING, K.REACTION, K.CONSENT],
    S.CLARIFYING: [K.CLARIFYING, K.REACTION, K.CONSENT],
    S.REACTIONS: [K.REACTION, K.CONSENT],
    S.CONSENT: [K.CONSENT],
    S.OBJECTIONS: [K.CONSENT],
}


def _columns(kind) -> tuple[str, ...]:
    if kind == K.CLARIFYING:
        return (_("Question (or pass)"),)
    if kind == K.REACTION:
        return (_("Reaction"),)
    return (_("Consent or objection"), _("Reason or concern"))


def _name(kind) -> str:
    return _("Consent round") if kind == K.CONSENT else str(K(kind).label)


def sheets_of(proposal, *, context: str = "") -> list[Sheet]:
    """One sheet per round still to come, in the process's order."""
    kinds = TO_COME.get(proposal.state, [])
    if not kinds:
        return []
    open_round = rounds.open_round_of(proposal)
    seated = circle_selectors.participants_of(proposal)
    ids = set(seated) | set(open_round.speakers if open_round else ())
    users = get_user_model().objects.in_bulk(ids)
    out = []
    for kind in kinds:
        order = open_round.speakers if open_round and open_round.kind == kind else seated
        out.append(
            Sheet(
                round=_name(kind),
                about=proposal.title,
                people=tuple(users[uid] for uid in order if uid in users),
                columns=_columns(kind),
                context=context or proposal.circle.name,
            )
        )
    return out
