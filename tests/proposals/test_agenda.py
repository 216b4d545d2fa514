"""The consent process's due agenda items (``proposals.agenda``, a
``core.agenda`` source): a proposal flagged for the next meeting by an
objection in asynchronous consent, and a deferred proposal; nothing of
another circle."""

from datetime import timedelta

from django.utils import timezone

from circles import services as circle_services
from core import agenda
from proposals import services

TEXT = "We keep quiet after 22:00."


def _proposals_items(circle):
    return [i for i in agenda.due_items(circle) if i.key.startswith("proposals.")]


def test_a_flagged_and_a_deferred_proposal_are_due_and_nothing_else(team):
    fay, (ana, bo, cy) = team.facilitator, team.members
    flagged = services.create_proposal(circle=team.circle, by=ana, title="Quiet hours", body=TEXT)
    services.present(proposal=flagged, by=fay)
    services.open_async_consent(
        proposal=flagged, by=fay, deadline=timezone.now() + timedelta(days=2)
    )
    services.answer(proposal=flagged, by=bo, kind="object", text="Too early")
    # While the reveal round is open the objection is a hidden answer: not due yet.
    assert _proposals_items(team.circle) == []
    services.acknowledge(proposal=flagged, by=fay)

    deferred = services.create_proposal(circle=team.circle, by=cy, title="Garden", body=TEXT)
    services.defer(proposal=deferred, by=fay, reason="Wait for spring")
    services.create_proposal(circle=team.circle, by=cy, title="A draft", body=TEXT)
    sibling = circle_services.create_circle(
        parent=team.world.root, name="Sales", slug="sales", by=team.admin
    )
    circle_services.add_member(circle=sibling, user=team.org_member, by=team.admin)
    elsewhere = services.create_proposal(
        circle=sibling, by=team.org_member, title="Sales' own", body=TEXT
    )
    services.defer(proposal=elsewhere, by=team.admin, reason="Later")

    items = {i.key: i for i in _proposals_items(team.circle)}
    assert set(items) == {f"proposals.flagged:{flagged.pk}", f"proposals.deferred:{deferred.pk}"}
    assert items[f"proposals.flagged:{flagged.pk}"].proposal == flagged
    assert items[f"proposals.flagged:{flagged.pk}"].kind == "proposal"
    assert "objection" in items[f"proposals.flagged:{flagged.pk}"].reason
    assert "Wait for spring" in items[f"proposals.deferred:{deferred.pk}"].reason
    assert items[f"proposals.deferred:{deferred.pk}"].url.endswith(f"/{deferred.pk}/")
    assert [i.key for i in _proposals_items(sibling)] == [f"proposals.deferred:{elsewhere.pk}"]
