"""The session port (core.participation) as a live meeting provides it: one
meeting per process, its facilitator, and the members present in seat order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from circles import selectors as circle_selectors
from core import participation
from core.errors import Conflict
from proposals.models import Proposal
from realtime import selectors, services
from realtime.models import Meeting


@pytest.fixture
def proposal(people):
    return Proposal.objects.create(circle=people["circle"], author=people["ana"], title="P")


def _meeting(people, *, facilitator, title="Weekly"):
    return services.schedule_meeting(
        circle=people["circle"],
        title=title,
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=facilitator,
        by=people["fac"],
    )


class TestTheMeetingsFacilitator:
    def test_it_is_the_session_facilitator_of_the_current_item_and_leads_the_room(
        self, people, proposal
    ):
        # Ana holds no role in the circle; the meeting names her its facilitator.
        meeting = _meeting(people, facilitator=people["ana"])
        services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["ana"])
        assert not participation.is_session_facilitator(people["ana"], proposal)  # not open
        services.open_meeting(meeting=meeting, by=people["ana"])
        assert services.can_lead(people["ana"], meeting)
        assert participation.is_session_facilitator(people["ana"], proposal)
        assert not participation.is_session_facilitator(people["bo"], proposal)
        session = participation.session_of(proposal)
        assert (session.meeting_id, session.title, session.facilitator_id) == (
            meeting.pk,
            "Weekly",
            people["ana"].pk,
        )
        assert participation.meeting_record(proposal) == {"id": meeting.pk, "title": "Weekly"}

    def test_a_member_without_the_role_cannot_lead_the_room(self, people, meeting):
        assert not services.can_lead(people["ana"], meeting)
        assert services.can_lead(people["fac"], meeting)


class TestSeatOrder:
    def test_the_present_members_come_in_the_circles_seat_order(self, people, meeting, proposal):
        services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
        services.open_meeting(meeting=meeting, by=people["fac"])
        for who in ("bo", "ana"):
            services.join(meeting=meeting, user=people[who])
        seats = circle_selectors.seat_order(people["circle"])
        expected = [uid for uid in seats if uid in {people[n].pk for n in ("fac", "ana", "bo")}]
        assert selectors.present_ids(meeting) == expected
        assert participation.participants_override(proposal) == expected
        assert circle_selectors.participants_of(proposal) == expected

    def test_who_left_the_room_or_the_circle_is_not_present_and_one_query_says_so(
        self, people, meeting, proposal, django_assert_num_queries
    ):
        from circles import services as circle_services

        services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
        services.open_meeting(meeting=meeting, by=people["fac"])
        for who in ("bo", "ana", "sec"):
            services.join(meeting=meeting, user=people[who])
        services.mark_attendance(
            meeting=meeting, user=people["bo"], present=False, by=people["sec"]
        )
        services.join(meeting=meeting, user=people["bo"])  # back: one open attendance again
        services.mark_attendance(
            meeting=meeting, user=people["sec"], present=False, by=people["fac"]
        )
        circle_services.remove_member(
            circle=people["circle"], user=people["ana"], by=people["admin"]
        )
        seats = circle_selectors.seat_order(people["circle"])
        assert people["ana"].pk not in seats
        expected = [uid for uid in seats if uid in {people[n].pk for n in ("fac", "bo")}]
        meeting = Meeting.objects.select_related("circle").get(pk=meeting.pk)
        with django_assert_num_queries(1):
            assert selectors.present_ids(meeting) == expected
        # The session: the meeting, then who is present.
        with django_assert_num_queries(2):
            assert participation.session_of(proposal).participant_ids == tuple(expected)
        # Who facilitates needs the meeting only; who is present is read
        # when first asked, and once.
        with participation.reading():
            with django_assert_num_queries(1):
                assert participation.is_session_facilitator(people["fac"], proposal)
                assert not participation.is_session_facilitator(people["bo"], proposal)
            with django_assert_num_queries(1):
                assert participation.participants_override(proposal) == expected
                assert participation.session_of(proposal).participant_ids == tuple(expected)


class TestOneSessionPerProcess:
    def test_a_process_running_in_one_meeting_cannot_be_current_in_another(self, people, proposal):
        first = _meeting(people, facilitator=people["fac"], title="First")
        second = _meeting(people, facilitator=people["bo"], title="Second")
        services.add_item(meeting=first, kind="proposal", proposal=proposal, by=people["fac"])
        services.add_item(meeting=second, kind="report", title="News", by=people["fac"])
        item = services.add_item(
            meeting=second, kind="proposal", proposal=proposal, by=people["fac"]
        )
        services.open_meeting(meeting=first, by=people["fac"])
        services.open_meeting(meeting=second, by=people["fac"])
        with pytest.raises(Conflict):
            services.set_current_item(meeting=second, item=item, by=people["fac"])
        second.refresh_from_db()
        assert second.current_item.kind == "report"
        assert participation.session_of(proposal).meeting_id == first.pk

    def test_a_meeting_opened_on_a_process_running_elsewhere_starts_with_no_current_item(
        self, people, proposal
    ):
        first = _meeting(people, facilitator=people["fac"], title="First")
        second = _meeting(people, facilitator=people["bo"], title="Second")
        for meeting in (first, second):
            services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
        services.open_meeting(meeting=first, by=people["fac"])
        services.open_meeting(meeting=second, by=people["fac"])
        second.refresh_from_db()
        assert second.state == Meeting.State.OPEN
        assert second.current_item is None
        assert participation.session_of(proposal).facilitator_id == people["fac"].pk

    def test_closing_the_first_meeting_frees_the_process(self, people, proposal):
        first = _meeting(people, facilitator=people["fac"], title="First")
        second = _meeting(people, facilitator=people["bo"], title="Second")
        services.add_item(meeting=first, kind="proposal", proposal=proposal, by=people["fac"])
        item = services.add_item(
            meeting=second, kind="proposal", proposal=proposal, by=people["fac"]
        )
        services.open_meeting(meeting=first, by=people["fac"])
        services.close_meeting(meeting=first, by=people["fac"])
        services.open_meeting(meeting=second, by=people["bo"])
        second.refresh_from_db()
        assert second.current_item == item
        assert participation.is_session_facilitator(people["bo"], proposal)
