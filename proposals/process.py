"""The consent process as one table (DESIGN §4 "proposals").

``TRANSITIONS[state][action]`` is the state an action leads to. The services
refuse any action the table does not list for the current state; the
proposal page shows exactly these buttons, and the API offers these actions.
``acknowledge`` is the one step with two outcomes: adopted when everyone
consented and no objection is open, else objections (see ``OUTCOMES``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal

S = Proposal.State


class Action(models.TextChoices):
    PRESENT = "present", _("Present")
    OPEN_CLARIFYING = "open_clarifying", _("Open the clarifying round")
    OPEN_REACTIONS = "open_reactions", _("Open the quick-reactions round")
    OPEN_ROUND = "open_round", _("Open another round")
    NEXT_SPEAKER = "next_speaker", _("Next speaker")
    CLOSE_ROUND = "close_round", _("Close the round")
    AMEND = "amend", _("Amend")
    OPEN_CONSENT = "open_consent", _("Open the consent round")
    OPEN_ASYNC_CONSENT = "open_async_consent", _("Open for consent until a deadline")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the consent round")
    RESOLVE_OBJECTION = "resolve_objection", _("Resolve an objection")
    ADOPT = "adopt", _("Adopt")
    WITHDRAW = "withdraw", _("Withdraw")
    DEFER = "defer", _("Defer")
    STEP_BACK = "step_back", _("Step back")


A = Action

_LEAVE = {A.WITHDRAW: S.WITHDRAWN, A.DEFER: S.DEFERRED}

TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {A.PRESENT: S.PRESENTED, **_LEAVE},
    S.PRESENTED: {
        A.OPEN_CLARIFYING: S.CLARIFYING,
        A.OPEN_REACTIONS: S.REACTIONS,
        A.OPEN_ASYNC_CONSENT: S.CONSENT,
        A.STEP_BACK: S.DRAFT,
        **_LEAVE,
    },
    S.CLARIFYING: {
        A.OPEN_ROUND: S.CLARIFYING,
        A.NEXT_SPEAKER: S.CLARIFYING,
        A.CLOSE_ROUND: S.CLARIFYING,
        A.OPEN_REACTIONS: S.REACTIONS,
        A.STEP_BACK: S.PRESENTED,
        **_LEAVE,
    },
    S.REACTIONS: {
        A.OPEN_ROUND: S.REACTIONS,
        A.NEXT_SPEAKER: S.REACTIONS,
        A.CLOSE_ROUND: S.REACTIONS,
        A.AMEND: S.REACTIONS,
        A.OPEN_CONSENT: S.CONSENT,
        A.OPEN_ASYNC_CONSENT: S.CONSENT,
        A.STEP_BACK: S.CLARIFYING,
        **_LEAVE,
    },
    S.CONSENT: {
        A.NEXT_SPEAKER: S.CONSENT,
        A.CLOSE_ROUND: S.CONSENT,
        A.ACKNOWLEDGE: S.OBJECTIONS,  # or ADOPTED: see OUTCOMES
        A.STEP_BACK: S.REACTIONS,
        **_LEAVE,
    },
    S.OBJECTIONS: {
        # Integrating objections: a round, an amendment, then a new consent round.
        A.OPEN_ROUND: S.OBJECTIONS,
        A.NEXT_SPEAKER: S.OBJECTIONS,
        A.CLOSE_ROUND: S.OBJECTIONS,
        A.AMEND: S.OBJECTIONS,
        A.RESOLVE_OBJECTION: S.OBJECTIONS,
        A.OPEN_CONSENT: S.CONSENT,
        A.OPEN_ASYNC_CONSENT: S.CONSENT,
        A.ADOPT: S.ADOPTED,
        A.STEP_BACK: S.CONSENT,
        **_LEAVE,
    },
    S.ADOPTED: {},
    S.WITHDRAWN: {},
    S.DEFERRED: {},
}

#: Steps whose outcome depends on the answers: every state they may lead to.
OUTCOMES: dict[str, tuple[str, ...]] = {A.ACKNOWLEDGE: (S.ADOPTED, S.OBJECTIONS)}

#: Steps the author (not only the facilitator) may take.
AUTHOR_MAY = {A.AMEND, A.WITHDRAW}

#: The kind of round a state runs when the facilitator opens one.
ROUND_KIND_OF_STATE = {
    S.CLARIFYING: "clarifying",
    S.REACTIONS: "reaction",
    S.OBJECTIONS: "reaction",
    S.CONSENT: "consent",
}

#: The order the process goes through, for the "where it is" steps.
STEPS = [S.DRAFT, S.PRESENTED, S.CLARIFYING, S.REACTIONS, S.CONSENT, S.OBJECTIONS, S.ADOPTED]


def allowed_actions(state: str) -> list[str]:
    return list(TRANSITIONS.get(state, {}))


def next_state(state: str, action: str) -> str | None:
    return TRANSITIONS.get(state, {}).get(action)


#: How the history names each recorded step (the table's actions, and the
#: steps outside it).
EVENT_LABELS = {
    **{a.value: a.label for a in Action},
    "create": _("Drafted"),
    "edit_draft": _("Draft edited"),
    "async_adopted": _("Adopted: everyone consented before the deadline"),
}
