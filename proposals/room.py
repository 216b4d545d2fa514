"""The consent process's face in the meeting room (``core.rooms.RoomFace``).

The room shows a proposal in two parts, from ``templates/proposals/room.html``:
the shared part (the text, the round, where it is, the objections) rendered
without a viewer, and the viewer's own part (their answer, the buttons the
step table gives them, the objections they may resolve). The proposal's views
answer an action taken from the room with the viewer's part
(:func:`answer_template`), so the room never needs the page's whole section.
"""

import threading

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import participation
from core.rooms import PerLanguage
from proposals import rounds, selectors
from proposals.models import Proposal

KIND = "proposal"
LABEL = "proposals.proposal"
MINE_ID = "proposal-mine"
SHARED_TEMPLATE = "proposals/room.html#shared"
MINE_TEMPLATE = "proposals/room.html#mine"
PAGE_SECTION_TEMPLATE = "proposals/detail.html#proposal-process"


def agenda_choices(circle):
    """Proposals of ``circle`` a meeting may run: every one not adopted or withdrawn."""
    return (
        Proposal.objects.filter(circle=circle)
        .exclude(state__in=[Proposal.State.ADOPTED, Proposal.State.WITHDRAWN])
        .order_by("-created")
    )


def agenda_label(proposal) -> str:
    return _("Proposal: %(t)s") % {"t": proposal.title}


def shared(proposal) -> dict:
    """For everyone: built from ``selectors.process_data``, which holds no
    hidden answer (nothing of an open reveal round); its open round's
    progress comes from the same read."""
    data = selectors.process_data(proposal, history=False)
    # The room may know the session of the meeting running the proposal (it
    # has just read the meeting): the acting view takes it with the rest.
    known, session = participation.recall(proposal)
    _handoff.data = {proposal.pk: {**data, "session": session} if known else data}
    context = {**data, "organization": proposal.circle.organization}
    summary = data["round"]
    return {
        "html": PerLanguage(lambda: render_to_string(SHARED_TEMPLATE, context)),
        "round": summary["round"] if summary else None,
        "answered": summary["answered"] if summary else 0,
        "expected": summary["expected"] if summary else 0,
    }


# The process data a broadcast read in this thread, handed to the view whose
# action caused it: the broadcast runs on commit, in the view's own thread,
# after the action's last write, so the view's answer reads the same state
# and need not read it again. A request starts by forgetting what an earlier
# one left (``forget``); a hand-over is taken once.
_handoff = threading.local()


def forget() -> None:
    _handoff.data = {}


def take_over(proposal_pk: int) -> dict | None:
    """What this request's broadcast read of the proposal, once; else None."""
    return getattr(_handoff, "data", {}).pop(proposal_pk, None)


def has_part(context) -> bool:
    """Whether the viewer has anything of their own to do or see here."""
    viewer = context["viewer"]
    return bool(
        viewer["is_member"]
        or viewer["is_facilitator"]
        or viewer["actions"]
        or viewer["resolve"]
        or viewer["my_response"]
    )


def mine_html(request, proposal) -> str:
    context = selectors.page_context(request.user, proposal)
    if not has_part(context):
        return ""
    return render_to_string(MINE_TEMPLATE, context, request)


def answer_template(request) -> str:
    """The partial an htmx action answers with: the viewer's part when the form
    was in the room's (htmx names its target), else the page's process section."""
    return MINE_TEMPLATE if request.htmx.target == MINE_ID else PAGE_SECTION_TEMPLATE


def round_context(subject) -> dict:
    """The open round of ``subject`` (a proposal, or any process on the shared
    round machinery): speakers in order, whose turn, who answered (never what)."""
    current_round = rounds.open_round_of(subject)
    if current_round is None:
        return {"round": None}
    users = get_user_model().objects.in_bulk(current_round.speakers)
    return rounds.speaker_board(current_round, users, rounds.answered_ids(current_round))


def sheets(subject, *, context: str = "") -> list:
    """The round sheets still to come (``proposals.sheets``)."""
    from proposals import sheets as round_sheets

    return round_sheets.sheets_of(subject, context=context)
