"""What the room shows of the current agenda item's process.

The proposals and elections apps render their own partials; this module
renders their viewer-independent parts for the room (once per change, the
same HTML for everyone, so hidden answers and nominations are never in it)
and, per viewer over HTTP, their own section with the viewer's form and
buttons (``render_mine``).
"""

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from proposals import rounds


def round_context(subject) -> dict:
    """The open round: speakers in order, who has answered (never what)."""
    current_round = rounds.open_round_of(subject)
    if current_round is None:
        return {"round": None}
    users = get_user_model().objects.in_bulk(current_round.speakers)
    answered = rounds.answered_ids(current_round)
    speakers = [
        {
            "user": users.get(uid),
            "id": uid,
            "answered": uid in answered,
            "current": uid == current_round.current_speaker_id,
        }
        for uid in current_round.speakers
    ]
    return {
        "round": current_round,
        "speakers": speakers,
        "answered": len([s for s in speakers if s["answered"]]),
        "expected": len(speakers),
    }


def _shared_proposal(proposal) -> str:
    from proposals import selectors

    context = {**selectors.process_data(proposal), "organization": proposal.circle.organization}
    return render_to_string("realtime/_proposal.html", context)


def _shared_election(election) -> str:
    from elections import selectors

    round_ = selectors.current_round(election)
    past = selectors.consent_rounds(election)
    context = {
        "election": election,
        "organization": election.circle.organization,
        "circle": election.circle,
        "role": election.role,
        "forms": {},
        "facilitating": False,
        "states": [
            (value, label)
            for value, label in election.State.choices
            if value != election.State.CANCELLED
        ],
        "nomination_progress": selectors.nomination_progress(election),
        "change_progress": selectors.change_progress(election),
        # Without a viewer: nominations only once shown, answers only as allowed.
        "grid": selectors.grid(election, None),
        "round": selectors.round_view(round_ or (past[-1] if past else None), None),
    }
    return render_to_string("realtime/_election.html", context)


def subject_context(item, meeting) -> dict | None:
    if item is None:
        return None
    subject = item.proposal or item.election
    if subject is None:
        return {"kind": item.kind, "object": None, "round": None}
    html = _shared_proposal(subject) if item.proposal_id else _shared_election(subject)
    return {"kind": item.kind, "object": subject, "html": mark_safe(html), **round_context(subject)}  # noqa: S308 - rendered by our templates


def render_mine(request, item) -> str:
    """The viewer's own section of the current item (form, buttons), rendered
    by the app that runs it; the room hides the parts it already shows."""
    if item is None:
        return ""
    if item.proposal_id:
        from proposals.views import _context

        return render_to_string(
            "proposals/detail.html#proposal-process", _context(request, item.proposal), request
        )
    if item.election_id:
        from elections.views import _context

        return render_to_string(
            "elections/election.html#election", _context(request, item.election), request
        )
    return ""
