"""The meeting's facilitator runs the selection on its agenda.

Probe: the person chosen as a meeting's facilitator could open the meeting
and put an item on the agenda, and the engine then refused them. In a
selection, "facilitator" means the circle's facilitator or the facilitator of
the open meeting that runs it; and its decisions name that meeting.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from circles import selectors as circle_selectors
from core.errors import NotAllowed
from decisions.models import Decision
from elections import services
from elections.models import Election, ElectionEvent
from elections.steps import STEPS
from realtime import services as meeting_services


@pytest.fixture
def meeting(world):
    """Ops's facilitator schedules a meeting that Ana facilitates."""
    assert not circle_selectors.can_facilitate(world.ana, world.team)
    return meeting_services.schedule_meeting(
        circle=world.team,
        title="Ops weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.ana,
        by=world.fay,
    )


def run_in_meeting(world, meeting, election):
    """Ana opens the meeting, puts the selection on the agenda, makes it current."""
    meeting_services.open_meeting(meeting=meeting, by=world.ana)
    item = meeting_services.add_item(
        meeting=meeting, kind="election", election=election, by=world.ana
    )
    meeting_services.set_current_item(meeting=meeting, item=item, by=world.ana)
    for member in (world.bo, world.cy):
        meeting_services.join(meeting=meeting, user=member)


def take(client, world, election, channel, name, data=None):
    step = STEPS[name]
    client.force_login(world.ana)
    if channel == "page":
        url = reverse(
            "elections:action",
            kwargs={"org": world.org.slug, "pk": election.pk, "step": step.url},
        )
        return client.post(url, data or {})
    return client.post(
        f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/{step.url}",
        data or {},
        content_type="application/json",
    )


class TestTheMeetingsFacilitator:
    def test_is_refused_before_the_meeting_runs_the_selection(self, world, meeting, election):
        with pytest.raises(NotAllowed):
            services.start_nominating(election=election, by=world.ana)
        meeting_services.open_meeting(meeting=meeting, by=world.ana)
        # Open, but the selection is not its current item.
        with pytest.raises(NotAllowed):
            services.start_nominating(election=election, by=world.ana)
        assert Election.objects.get(pk=election.pk).state == "setup"

    @pytest.mark.parametrize("channel", ["page", "api"])
    def test_runs_the_item(self, client, world, meeting, election, channel):
        run_in_meeting(world, meeting, election)
        assert "start_nominating" in STEPS.allowed(election, world.ana)
        r = take(client, world, election, channel, "start_nominating")
        assert r.status_code in (200, 302), r.content
        assert Election.objects.get(pk=election.pk).state == "nominating"
        # Those present take part (Ana, who opened the meeting, Bo and Cy).
        services.nominate(election=election, by=world.bo, nominee=world.cy, reason="Cy!")
        r = take(client, world, election, channel, "show_nominations")
        assert r.status_code in (200, 302), r.content
        election.refresh_from_db()
        assert election.state == "nominations_shown" and election.nominations_shown
        steps = ElectionEvent.objects.filter(election=election, by=world.ana)
        assert list(steps.values_list("action", flat=True)) == [
            "start_nominating",
            "show_nominations",
        ]

    def test_the_page_shows_them_the_controls(self, client, world, meeting, election):
        run_in_meeting(world, meeting, election)
        client.force_login(world.ana)
        page = client.get(election.get_absolute_url()).content.decode()
        assert "action-start_nominating" in page

    def test_a_decision_taken_in_the_meeting_names_it(self, world, meeting, election):
        run_in_meeting(world, meeting, election)
        services.cancel(election=election, by=world.ana, reason="Not now.")
        decision = Decision.objects.get(record__action="selection_cancelled")
        assert decision.record["meeting"] == {"id": meeting.pk, "title": "Ops weekly"}
        assert decision.record["by"] == {"id": world.ana.pk, "name": world.ana.name}

    def test_outside_a_meeting_the_record_names_none(self, world, election):
        services.cancel(election=election, by=world.fay, reason="Not now.")
        decision = Decision.objects.get(record__action="selection_cancelled")
        assert decision.record["meeting"] is None

    def test_closes_a_consented_change_of_the_role(self, world, meeting, election):
        run_in_meeting(world, meeting, election)
        services.review_role(
            election=election, by=world.ana, reason="Clearer.", qualifications=["Patient"]
        )
        for member in (world.ana, world.bo, world.cy):  # those present
            services.answer_role_change(election=election, by=member, kind="consent")
        services.close_role_change(election=election, by=world.ana)
        world.roles["secretary"].refresh_from_db()
        assert world.roles["secretary"].qualifications == ["Patient"]
        decision = Decision.objects.get(record__action="role_updated")
        assert decision.record["meeting"] == {"id": meeting.pk, "title": "Ops weekly"}
        assert decision.record["by"]["id"] == world.ana.pk
