"""The selection's section as the page shows it, and its htmx answers and
the meeting room's viewer part (``elections.room``): the selectors' reads,
the forms of the steps the viewer may take, and the history named by the step
table. It sits above the selectors, the forms and the steps, which never read it.
"""

from core import participation
from elections import selectors, steps
from elections.forms import step_forms
from elections.models import Election

#: The recorder's steps, in the order of the selection.
RECORD_FOR = [step.name for step in steps.STEPS if "for" in step.extra]

#: The steps the section shows in order (a cancelled selection says so instead).
STATES = [
    (value, label) for value, label in Election.State.choices if value != Election.State.CANCELLED
]


def events(election, history=None) -> list:
    """The selection's history, each step named by the step table."""
    history = selectors.events_of(election) if history is None else history
    for event in history:
        event.action_label = steps.event_label(event.action)
    return history


def page_context(user, election, failed=None, data: selectors.Process | None = None) -> dict:
    """The context of the selection's section: the same for its page, its
    htmx answers and the meeting room's viewer part (``elections.room``).
    ``failed`` is the (step, bound form) of an action that was refused.
    ``data``: the selection as read after the last write of this request (the
    broadcast's, ``room.take_over``), else it is read here, once."""
    with participation.reading(), steps.asking():  # the session and each role, asked once
        if data is None:
            data = selectors.process(election)
        else:
            participation.known(election, data.session)
        return _page_context(user, data, failed)


def _page_context(user, data: selectors.Process, failed) -> dict:
    election = data.election
    forms = step_forms(election, user, failed, data=data)
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
        "states": STATES,
        "facilitating": steps.ROLES[steps.FACILITATOR].test(user, election),
        "taking_part": steps.is_member(user, election),
        "nominations": data.visible(user),
        "my_first": data.mine(user, 1),
        "my_second": data.mine(user, 2),
        "nomination_progress": data.progress(1),
        "nominators": data.nominators_now(),
        "my_position": data.my_position(user),
        "change_progress": data.progress(2),
        "grid": data.grid(user),
        "round": data.round_view(data.shown_round, user),
        "role_change": data.role_change_view(user),
        # Called by the template where it shows them (the room's parts
        # show neither, and need not read the history).
        "proposals": data.proposal_history,
        "events": lambda: events(election, data.events),
        "participants": data.people,
    }
