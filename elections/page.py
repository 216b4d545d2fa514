"""The selection's section as the page shows it, and its htmx answers and
the meeting room's viewer part (``elections.room``): the selectors' reads,
the forms of the steps the viewer may take, and the history named by the step
table. It sits above the selectors, the forms and the steps, which never read it.
"""

from circles import selectors as circle_selectors
from core import participation
from elections import selectors, steps
from elections.forms import step_forms

#: The recorder's steps, in the order of the selection.
RECORD_FOR = [step.name for step in steps.STEPS if "for" in step.extra]


def events(election) -> list:
    """The selection's history, each step named by the step table."""
    history = selectors.events_of(election)
    for event in history:
        event.action_label = steps.event_label(event.action)
    return history


def page_context(user, election, failed=None) -> dict:
    """The context of the selection's section: the same for its page, its
    htmx answers and the meeting room's viewer part (``elections.room``).
    ``failed`` is the (step, bound form) of an action that was refused."""
    with participation.reading():  # the meeting's session, read once
        return _page_context(user, election, failed)


def _page_context(user, election, failed) -> dict:
    forms = step_forms(election, user, failed)
    round_ = selectors.current_round(election)
    last_rounds = selectors.consent_rounds(election)
    shown_round = round_ or (last_rounds[-1] if last_rounds else None)
    return {
        "election": election,
        "organization": election.circle.organization,
        "circle": election.circle,
        "role": election.role,
        "forms": forms,
        # The recorder's forms for a member without a device, when someone
        # may still act (``selectors.yet_to_act``).
        "record_for": [
            forms[name]
            for name in RECORD_FOR
            if name in forms and len(forms[name].fields["member"].choices) > 1
        ],
        "states": [
            (value, label)
            for value, label in election.State.choices
            if value != election.State.CANCELLED
        ],
        "facilitating": steps.facilitates(user, election),
        "taking_part": circle_selectors.can_take_part(user, election.circle),
        "nominations": selectors.visible_nominations(election, user),
        "my_first": selectors.my_nomination(election, user, 1),
        "my_second": selectors.my_nomination(election, user, 2),
        "nomination_progress": selectors.nomination_progress(election),
        "nominators": selectors.nominators_now(election),
        "my_position": selectors.my_position(election, user),
        "change_progress": selectors.change_progress(election),
        "grid": selectors.grid(election, user),
        "round": selectors.round_view(shown_round, user),
        "role_change": selectors.role_change_view(election, user),
        "proposals": selectors.proposal_history(election),
        "events": events(election),
        "participants": selectors.participants_for(election),
    }
