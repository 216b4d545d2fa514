"""The selection process's face in the meeting room (``core.rooms.RoomFace``).

The room shows a selection in two parts, from ``templates/elections/room.html``:
the shared part (the consent round, the grid once shown, where it is, a
proposed change of the role) rendered without a viewer, so a nomination stays
hidden until the facilitator shows them all; and the viewer's own part (their
nomination or answer, the facilitator's forms the step table gives them). The
selection's views answer an action taken from the room with the viewer's part
(:func:`answer_template`).
"""

import threading

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import participation
from core.rooms import PerLanguage
from elections import page, selectors
from elections.models import Election

KIND = "election"
LABEL = "elections.election"
MINE_ID = "election-mine"
SHARED_TEMPLATE = "elections/room.html#shared"
MINE_TEMPLATE = "elections/room.html#mine"
PAGE_SECTION_TEMPLATE = "elections/election.html#election"


def agenda_choices(circle):
    """Selections of ``circle`` a meeting may run: every one still open."""
    return (
        Election.objects.filter(circle=circle)
        .exclude(state__in=Election.CLOSED_STATES)
        .select_related("role", "circle")
        .order_by("-created")
    )


def agenda_label(election) -> str:
    return _("Selection: %(t)s") % {"t": str(election)}


def _shared_html(data: selectors.Process) -> str:
    """For everyone: only what is the same for every viewer (``None``), so the
    grid is None until the nominations are shown and a round shows only what
    it shows to all; no nomination is given to the template itself."""
    election = data.election
    context = {
        "election": election,
        "organization": election.circle.organization,
        "circle": election.circle,
        "role": election.role,
        "forms": {},
        "facilitating": False,
        "states": page.STATES,
        "nomination_progress": data.progress(1),
        "change_progress": data.progress(2),
        "nominators": data.nominators_now(),
        "grid": data.grid(None),
        "round": data.round_view(data.shown_round, None),
        "role_change": data.role_change_view(None),
    }
    return render_to_string(SHARED_TEMPLATE, context)


def has_part(context) -> bool:
    """Whether the viewer has anything of their own to do or see here."""
    return bool(context["facilitating"] or context["forms"] or context["taking_part"])


def mine_html(request, election) -> str:
    context = page.page_context(request.user, selectors.with_relations(election))
    if not has_part(context):
        return ""
    return render_to_string(MINE_TEMPLATE, context, request)


def answer_template(request) -> str:
    """The partial an htmx action answers with: the viewer's part when the form
    was in the room's (htmx names its target), else the page's section."""
    return MINE_TEMPLATE if request.htmx.target == MINE_ID else PAGE_SECTION_TEMPLATE


def shared(election) -> dict:
    """The shared fragment and the open round (on a nominee or on a change of
    the role): whose turn, how many answered (never what). The selection is
    read once for all of it (``selectors.process``), after the change's
    commit, and handed to the acting view (``take_over``)."""
    with participation.reading():
        data = selectors.process(selectors.with_relations(election))
        _handoff.data = {election.pk: data}
        # Rendered where the room's template shows it, once per language,
        # from this one read (``core.rooms.PerLanguage``).
        return {"html": PerLanguage(lambda: _shared_html(data)), **data.round_progress()}


# What a broadcast read of a selection in this thread, handed to the view whose
# action caused it: the broadcast runs on commit, in the view's own thread,
# after the action's last write, so the view's answer shows the same state and
# need not read it again (``elections.views.election_action``). A request
# starts by forgetting what an earlier one left (``forget``); a hand-over is
# taken once.
_handoff = threading.local()


def forget() -> None:
    _handoff.data = {}


def take_over(election_pk: int) -> selectors.Process | None:
    """What this request's broadcast read of the selection, once; else None."""
    return getattr(_handoff, "data", {}).pop(election_pk, None)


def sheets(subject, *, context: str = "") -> list:
    """The round sheets still to come (``elections.sheets``)."""
    from elections import sheets as round_sheets

    return round_sheets.sheets_of(subject, context=context)
