"""The person chosen as a meeting's facilitator runs the meeting's current
proposal (issue 10's second probe: the engine refused them, two meanings of
"facilitator"). They are a plain member of the circle, not its facilitator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.records import person
from core.errors import NotAllowed
from core.idempotency import new_key
from proposals import services, steps
from proposals.models import Proposal
from proposals.templatetags.proposals_tags import step_url
from realtime import services as meetings

from .conftest import api_url


@pytest.fixture
def session(team):
    """A meeting facilitated by bo (a plain member), open, everyone present,
    the proposal on its agenda and current."""
    ana, bo = team.members[0], team.members[1]
    meeting = meetings.schedule_meeting(
        circle=team.circle,
        title="Weekly",
        scheduled_start=timezone.now() + timedelta(minutes=5),
        facilitator=bo,
        by=team.facilitator,
    )
    meetings.open_meeting(meeting=meeting, by=bo)
    for user in team.participants:
        meetings.join(meeting=meeting, user=user)
    proposal = services.create_proposal(circle=team.circle, by=ana, title="Bikes", body="Buy")
    item = meetings.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=bo)
    meetings.set_current_item(meeting=meeting, item=item, by=bo)
    return meeting, proposal, bo


def _everyone_consents(team, proposal):
    for user in team.participants:
        services.answer(proposal=proposal, by=user, kind="consent")


def _adopted_in(meeting, proposal, bo):
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.state == Proposal.State.ADOPTED
    record = proposal.decision.record
    assert record["by"] == person(bo)
    assert record["meeting"] == {"id": meeting.pk, "title": "Weekly"}


class TestTheMeetingsFacilitatorRunsTheItem:
    def test_the_table_counts_them_as_the_facilitator_while_the_item_runs(self, team, session):
        _meeting, proposal, bo = session
        assert steps.is_facilitator(bo, proposal)
        assert "present" in steps.allowed(proposal, bo)
        assert not steps.is_facilitator(team.members[2], proposal)

    def test_through_the_page(self, client, team, session):
        meeting, proposal, bo = session
        client.force_login(bo)
        detail = client.get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
        assert step_url(proposal, "present") in detail  # their button

        def post(name, **data):
            r = client.post(step_url(proposal, name), {**data, "idempotency_key": new_key()})
            assert r.status_code == 302
            page = client.get(f"/o/acme/proposals/{proposal.pk}/").content.decode()
            assert "message-error" not in page, name

        post("present")
        assert Proposal.objects.get(pk=proposal.pk).state == "presented"
        post("open_reactions", mode="reveal")
        post("close_round")
        post("open_consent", mode="reveal", revision="1")
        assert Proposal.objects.get(pk=proposal.pk).state == "consent"
        _everyone_consents(team, proposal)
        post("acknowledge")
        _adopted_in(meeting, proposal, bo)

    def test_through_the_api(self, client, team, session):
        meeting, proposal, bo = session
        client.force_login(bo)

        def post(path, body=None):
            r = client.post(
                api_url(proposal, f"/{path}"),
                body or {},
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=new_key(),
            )
            assert r.status_code == 200, r.content
            return r.json()

        assert post("present")["state"] == "presented"
        post("reactions", {"mode": "reveal"})
        post("rounds/close")
        assert post("consent", {"mode": "reveal", "revision": 1})["state"] == "consent"
        _everyone_consents(team, proposal)
        assert post("acknowledge")["state"] == "adopted"
        _adopted_in(meeting, proposal, bo)

    def test_only_while_the_meeting_runs_it(self, team, session):
        meeting, proposal, bo = session
        meetings.close_meeting(meeting=meeting, by=bo)
        assert not steps.is_facilitator(bo, proposal)
        with pytest.raises(NotAllowed):
            services.present(proposal=proposal, by=bo)
        assert Proposal.objects.get(pk=proposal.pk).state == "draft"
