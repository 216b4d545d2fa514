"""The process record of a ``policy`` decision (docs/RECORDS.md, "policy").

Written once, in full, in the transaction that adopts the proposal: the hash
of the log covers it. A person is ``accounts.records.person``; the meeting is
the open meeting that ran the item when it was adopted
(``core.participation.meeting_record``), else None.
"""

from datetime import date

from django.contrib.auth import get_user_model

from accounts.records import person
from core.participation import meeting_record
from proposals import rounds
from proposals.models import Response, Round


def policy_record(proposal, *, by, round_: Round, review_date: date) -> dict:
    """The record of ``proposal`` adopted by ``by`` on ``round_``'s revision."""
    positions = list(
        Response.objects.filter(round=round_, is_position=True, replaced__isnull=True)
        .select_related("member", "recorded_by")
        .order_by("created", "pk")
    )
    order = {member_id: i for i, member_id in enumerate(round_.speakers)}
    positions.sort(key=lambda r: order.get(r.member_id, len(order)))
    speakers = get_user_model().objects.in_bulk(round_.speakers)
    return {
        "action": "policy_adopted",
        "by": person(by),
        "meeting": meeting_record(proposal),
        "proposal": {
            "id": proposal.pk,
            "title": proposal.title,
            "author": person(proposal.author),
        },
        "revision": {"id": round_.revision.pk, "number": round_.revision.number},
        "participants": [person(speakers[i]) for i in round_.speakers if i in speakers],
        "positions": [
            {
                "member": person(p.member),
                "position": p.kind,
                "text": p.text,
                "concern": p.concern,
                # Someone recorded it for a member without a device.
                **({"recorded_by": person(p.recorded_by)} if p.recorded_by_id else {}),
            }
            for p in positions
        ],
        "objections": [
            {
                "member": person(o.member),
                "reason": o.reason,
                "state": o.state,
                "resolution": o.resolution,
                "revision": o.integrated_in.number if o.integrated_in else None,
            }
            for o in proposal.objections.select_related("member", "integrated_in").order_by("pk")
        ],
        "concerns": [
            {"member": person(p.member), "text": p.concern} for p in positions if p.concern
        ],
        "rounds": [
            {
                "kind": r.kind,
                "mode": r.mode,
                "revision": r.revision.number if r.revision else None,
                "responses": [
                    {"member": person(x.member), "kind": x.kind, "text": x.text}
                    for x in rounds.current_responses(r)
                ],
            }
            for r in rounds.rounds_of(proposal).select_related("revision").order_by("opened", "pk")
        ],
        "review_date": review_date,
        "measures": list(proposal.measures or []),
        "domain": proposal.domain or None,
        "amends": proposal.amends.sequence if proposal.amends_id else None,
    }
