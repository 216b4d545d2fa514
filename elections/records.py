"""What a selection writes in the log (docs/RECORDS.md ``selection``).

Every person is ``accounts.records.person`` (id and name at the time); the
``"meeting"`` is the open meeting that runs the selection, if any
(``core.participation.meeting_record``).
"""

from accounts.records import person
from circles.records import role_snapshot
from core.participation import meeting_record
from elections import selectors
from proposals import rounds
from proposals.models import Response, Round


def positions(round_: Round, people: dict) -> list[dict]:
    """The current position of each member of ``round_`` (people: id -> user);
    ``recorded_by`` when someone recorded it for a member without a device."""
    return [
        {
            "member": person(people.get(r.member_id)),
            "position": r.kind,
            "text": r.text,
            "concern": r.concern,
            **recorded_by(r),
        }
        for r in rounds.current_responses(round_)
        if r.is_position
    ]


def recorded_by(row, key: str = "recorded_by") -> dict:
    """``{key: person}`` when ``row`` (a position or a nomination) was
    recorded by someone else for its member, else nothing."""
    return {key: person(row.recorded_by)} if row is not None and row.recorded_by_id else {}


def role_change_consent(election, round_: Round, people: dict, reason: str) -> dict:
    """The circle's consent to a change of the role, carried by the role's
    ``role_updated`` decision (``circles.services.update_role``)."""
    return {
        "round": round_.pk,
        "mode": round_.mode,
        "reason": reason,
        "proposed_by": person(election.role_change_by),
        "participants": [person(people[uid]) for uid in round_.speakers if uid in people],
        "positions": positions(round_, people),
    }


def role_change_extra(election, consent: dict) -> dict:
    """What the role's decision says of the selection it was consented in."""
    return {
        "election": {"id": election.pk},
        "meeting": meeting_record(election),
        "consent": consent,
    }


def _objections(election, number_of: dict, reason_of: dict, person_of) -> list[dict]:
    out = []
    for round_ in selectors.consent_rounds(election):
        for response in Response.objects.filter(round=round_).order_by("created", "pk"):
            if response.kind != Response.Kind.OBJECT:
                continue
            number = number_of.get(round_.pk)
            if response.replaced is not None:
                state, resolution, revision = "withdrawn", "", number
            else:
                # A new proposal (the next number) answered the objection.
                state = "integrated"
                revision = (number or 0) + 1
                resolution = reason_of.get(revision, "")
            out.append(
                {
                    "member": person_of(response.member_id),
                    "reason": response.text,
                    "state": state,
                    "resolution": resolution,
                    "revision": revision,
                }
            )
    return out


def selection_record(election, final_round: Round, by) -> dict:
    """The record of a selection exactly as docs/RECORDS.md ``selection``."""
    people = {u.pk: u for u in selectors.people_of(election, final_round)}

    def person_of(uid):
        return person(people.get(uid))

    proposals = list(election.events.filter(action="propose").order_by("at", "pk"))
    by_round = {e.data.get("round"): e for e in proposals}
    number_of = {e.data.get("round"): e.data.get("number") for e in proposals}
    reason_of = {e.data.get("number"): e.reason for e in proposals}
    last = by_round.get(final_round.pk)
    return {
        "action": "selection_made",
        "by": person(by),
        "meeting": meeting_record(election),
        "election": {"id": election.pk},
        "role": role_snapshot(election.role),
        "person": person(election.proposed_nominee),
        "term_start": election.term_start,
        "term_end": election.proposed_term_end,
        "participants": [person_of(uid) for uid in final_round.speakers],
        "grid": selectors.grid_record(election),
        "proposal": {
            "nominee": person(election.proposed_nominee),
            "term_end": election.proposed_term_end,
            "reason": election.proposal_reason,
            "by": person(last.by if last else by),
        },
        "positions": positions(final_round, people),
        "objections": _objections(election, number_of, reason_of, person_of),
    }


def cancel_record(election, by, reason: str) -> dict:
    return {
        "action": "selection_cancelled",
        "by": person(by),
        "meeting": meeting_record(election),
        "election": {"id": election.pk},
        "role": role_snapshot(election.role),
        "state": election.state,
        "reason": reason,
    }
