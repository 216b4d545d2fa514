"""What the room shows of the current agenda item's process.

The proposals and elections apps render their own partials; this module gives
the room the context for them, without a viewer (so the same HTML goes to
everyone, and hidden answers are never in it): the subject, its open round,
the speakers in order with who has answered (not what), and the progress.
"""

from django.contrib.auth import get_user_model

from proposals import rounds


def round_context(subject) -> dict:
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
    visible = []
    if current_round.mode == current_round.Mode.IN_TURN:
        # In turn, answers are public as they are given.
        visible = list(rounds.current_responses(current_round))
    return {
        "round": current_round,
        "speakers": speakers,
        "answered": len([s for s in speakers if s["answered"]]),
        "expected": len(speakers),
        "responses": visible,
    }


def subject_context(item, meeting) -> dict | None:
    if item is None:
        return None
    subject = item.proposal or item.election
    if subject is None:
        return {"kind": item.kind, "object": None, "round": None}
    return {"kind": item.kind, "object": subject, **round_context(subject)}
