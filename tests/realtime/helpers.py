"""Steps the room's tests share (on ``room_setup``'s cast, tests/realtime/conftest.py)."""


def presented_in_room(s: dict):
    """On ``room_setup``'s meeting: a proposal by Ana ("Compost") on the
    agenda, the meeting open, Fay, Ana and Bo joined, the proposal the
    current item and presented. The proposal, as it is now."""
    from proposals import services as proposal_services
    from realtime import services

    proposal = proposal_services.create_proposal(
        circle=s["circle"], by=s["ana"], title="Compost", body="Start a compost."
    )
    item = services.add_item(meeting=s["meeting"], kind="proposal", proposal=proposal, by=s["fac"])
    services.open_meeting(meeting=s["meeting"], by=s["fac"])
    for who in ("fac", "ana", "bo"):
        services.join(meeting=s["meeting"], user=s[who])
    services.set_current_item(meeting=s["meeting"], item=item, by=s["fac"])
    proposal_services.present(proposal=proposal, by=s["fac"])
    proposal.refresh_from_db()
    return proposal
