"""Meetings as the facilitator and the secretary run them, through the services and pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import verify_log
from proposals.models import Proposal
from realtime import selectors, services
from realtime.models import AgendaItem, Attendance, Meeting


class TestScheduling:
    def test_it_schedules_with_a_facilitator_and_a_secretary(self, meeting, people):
        assert meeting.state == Meeting.State.SCHEDULED
        assert meeting.secretary == people["sec"]

    def test_a_member_without_the_role_cannot_schedule(self, people):
        with pytest.raises(NotAllowed):
            services.schedule_meeting(
                circle=people["circle"],
                title="X",
                scheduled_start=timezone.now(),
                facilitator=people["ana"],
                by=people["ana"],
            )
        assert not Meeting.objects.exists()

    def test_the_facilitator_must_be_a_member(self, people):
        with pytest.raises(Invalid):
            services.schedule_meeting(
                circle=people["circle"],
                title="X",
                scheduled_start=timezone.now(),
                facilitator=people["outsider"],
                by=people["fac"],
            )


class TestAgenda:
    def test_items_are_added_in_order_and_reordered(self, meeting, people):
        a = services.add_item(meeting=meeting, kind="report", title="News", by=people["fac"])
        b = services.add_item(meeting=meeting, kind="other", title="Lunch", by=people["fac"])
        proposal = Proposal.objects.create(circle=people["circle"], author=people["ana"], title="P")
        c = services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
        assert [i.position for i in (a, b, c)] == [1, 2, 3]
        assert c.title == "P"
        services.reorder_items(meeting=meeting, order=[c.pk, a.pk, b.pk], by=people["fac"])
        assert list(meeting.items.order_by("position").values_list("pk", flat=True)) == [
            c.pk,
            a.pk,
            b.pk,
        ]

    def test_the_room_shows_the_agenda_in_its_order_not_in_the_order_added(
        self, meeting, people, client
    ):
        """The room sorts its agenda itself (``core.queries.in_order``): by
        position, whatever order the items were added in."""
        from realtime import fragments

        titles = ["News", "Lunch", "Budget"]
        added = [
            services.add_item(meeting=meeting, kind="other", title=t, by=people["fac"])
            for t in titles
        ]
        services.reorder_items(meeting=meeting, order=[p.pk for p in added[::-1]], by=people["fac"])
        meeting.refresh_from_db()
        shown = [i.title for i in fragments.room_context(meeting)["items"]]
        assert shown == ["Budget", "Lunch", "News"]
        client.force_login(people["ana"])
        html = client.get(
            reverse("realtime:room", kwargs={"org": "acme", "meeting_id": meeting.pk})
        ).content.decode()
        agenda = html[html.index('id="room-agenda"') :]
        assert agenda.index("Budget") < agenda.index("Lunch") < agenda.index("News")

    def test_a_reorder_must_name_every_item_once(self, meeting, people):
        a = services.add_item(meeting=meeting, kind="report", title="News", by=people["fac"])
        with pytest.raises(Invalid):
            services.reorder_items(meeting=meeting, order=[a.pk, a.pk], by=people["fac"])

    def test_a_member_cannot_change_the_agenda(self, meeting, people):
        with pytest.raises(NotAllowed):
            services.add_item(meeting=meeting, kind="report", title="News", by=people["ana"])
        assert not AgendaItem.objects.exists()

    def test_moving_to_an_item_of_another_meeting_is_refused(self, meeting, people):
        other = services.schedule_meeting(
            circle=people["circle"],
            title="Other",
            scheduled_start=timezone.now(),
            facilitator=people["fac"],
            by=people["fac"],
        )
        foreign = services.add_item(meeting=other, kind="report", title="X", by=people["fac"])
        services.open_meeting(meeting=meeting, by=people["fac"])
        with pytest.raises(Invalid):
            services.set_current_item(meeting=meeting, item=foreign, by=people["fac"])


class TestAttendanceAndParticipants:
    def test_joining_an_open_meeting_marks_attendance_once(self, meeting, people):
        services.open_meeting(meeting=meeting, by=people["fac"])
        services.join(meeting=meeting, user=people["ana"])
        services.join(meeting=meeting, user=people["ana"])
        assert Attendance.objects.filter(meeting=meeting, user=people["ana"]).count() == 1

    def test_an_outsider_joining_is_not_counted(self, meeting, people):
        services.open_meeting(meeting=meeting, by=people["fac"])
        assert services.join(meeting=meeting, user=people["outsider"]) is None
        assert not Attendance.objects.filter(user=people["outsider"]).exists()

    def test_the_secretary_marks_someone_in_the_room_without_a_device(self, meeting, people):
        services.open_meeting(meeting=meeting, by=people["fac"])
        services.mark_attendance(meeting=meeting, user=people["bo"], present=True, by=people["sec"])
        row = Attendance.objects.get(meeting=meeting, user=people["bo"])
        assert row.marked_by == people["sec"]
        with pytest.raises(NotAllowed):
            services.mark_attendance(
                meeting=meeting, user=people["bo"], present=False, by=people["ana"]
            )

    def test_the_current_proposal_takes_the_members_present_as_participants(self, meeting, people):
        proposal = Proposal.objects.create(circle=people["circle"], author=people["ana"], title="P")
        services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
        assert selectors.session_of(proposal) is None  # not open yet
        services.open_meeting(meeting=meeting, by=people["fac"])
        for who in ("ana", "fac"):
            services.join(meeting=meeting, user=people[who])
        from core.participation import participants_override

        assert sorted(participants_override(proposal)) == sorted(
            [people["ana"].pk, people["fac"].pk]
        )


class TestClosing:
    def test_closing_records_the_minutes_as_a_decision(self, meeting, people):
        news = services.add_item(meeting=meeting, kind="report", title="News", by=people["fac"])
        services.open_meeting(meeting=meeting, by=people["fac"])
        services.join(meeting=meeting, user=people["ana"])
        services.save_notes(item=news, notes="The shop opens in May.", by=people["sec"])
        before = Decision.objects.count()
        services.close_meeting(meeting=meeting, by=people["fac"], notes="Good meeting")
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.CLOSED
        minutes = meeting.minutes
        assert Decision.objects.count() == before + 1
        assert minutes.kind == "minutes"
        assert minutes.record["meeting"]["id"] == meeting.pk
        assert minutes.record["attendance"] == [
            {"id": people["fac"].pk, "name": "Fay"},  # opening the meeting marks the opener
            {"id": people["ana"].pk, "name": "Ana"},
        ]
        assert minutes.record["items"][0]["notes"] == "The shop opens in May."
        assert minutes.record["secretary"]["id"] == people["sec"].pk
        assert verify_log(organization_id=people["org"].pk).ok

    def test_closing_twice_is_refused_and_records_nothing_more(self, meeting, people):
        services.open_meeting(meeting=meeting, by=people["fac"])
        services.close_meeting(meeting=meeting, by=people["fac"])
        count = Decision.objects.count()
        with pytest.raises(Conflict):
            services.close_meeting(meeting=meeting, by=people["fac"])
        assert Decision.objects.count() == count

    def test_a_repeated_idempotency_key_does_nothing_the_second_time(self, meeting, people):
        key = "2f1c3e5a-1111-4222-8333-444455556666"
        services.open_meeting(meeting=meeting, by=people["fac"], key=key)
        services.close_meeting(meeting=meeting, by=people["fac"], key=key)  # same key: ignored
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.OPEN


class TestPages:
    def _url(self, name, meeting, **kw):
        return reverse(f"realtime:{name}", kwargs={"org": "acme", "meeting_id": meeting.pk, **kw})

    def test_the_room_is_404_for_an_outsider(self, client, meeting, people):
        client.force_login(people["outsider"])
        assert client.get(self._url("room", meeting)).status_code == 404
        assert client.get(self._url("meeting", meeting)).status_code == 404

    def test_the_room_shows_the_shared_fragments_and_the_viewer_role(self, client, meeting, people):
        client.force_login(people["fac"])
        html = client.get(self._url("room", meeting)).content.decode()
        for fragment_id in ("room-state", "room-agenda", "room-presence", "room-item"):
            assert f'id="{fragment_id}"' in html
        assert 'data-room-role="facilitator' in html
        assert 'ws-connect="/ws/meetings/' in html

    def test_a_member_posting_a_facilitator_action_gets_a_message_and_nothing_changes(
        self, client, meeting, people
    ):
        client.force_login(people["ana"])
        response = client.post(self._url("action", meeting, action="open"), HTTP_HX_REQUEST="true")
        assert response.status_code == 403
        assert "facilitator" in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.SCHEDULED

    def test_the_facilitator_opens_the_meeting_and_gets_the_fragments(
        self, client, meeting, people
    ):
        client.force_login(people["fac"])
        response = client.post(self._url("action", meeting, action="open"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert 'data-state="open"' in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.OPEN

    def test_a_bad_timer_value_is_a_clear_message(self, client, meeting, people):
        client.force_login(people["fac"])
        client.post(self._url("action", meeting, action="open"))
        response = client.post(
            self._url("action", meeting, action="timer"),
            {"minutes": "lots"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 400
        assert "minutes" in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.timer_ends is None

    def test_scheduling_through_the_page(self, client, people):
        client.force_login(people["fac"])
        url = reverse("realtime:new", kwargs={"org": "acme"}) + "?circle=ops"
        response = client.post(
            url,
            {
                "title": "Monthly",
                "scheduled_start": "2027-01-05T18:00",
                "facilitator": people["fac"].pk,
                "secretary": people["sec"].pk,
            },
        )
        assert response.status_code == 302
        assert Meeting.objects.get().title == "Monthly"


class TestRemovingAnItemFromThePage:
    def _url(self, name, meeting, **kw):
        return reverse(f"realtime:{name}", kwargs={"org": "acme", "meeting_id": meeting.pk, **kw})

    def test_the_facilitator_takes_an_item_off_before_it_runs(self, client, meeting, people):
        fac = people["fac"]
        a = services.add_item(meeting=meeting, kind="other", title="A", by=fac)
        b = services.add_item(meeting=meeting, kind="other", title="B", by=fac)
        client.force_login(fac)
        page = client.get(self._url("meeting", meeting)).content.decode()
        assert self._url("item_remove", meeting, item_id=a.pk) in page
        response = client.post(self._url("item_remove", meeting, item_id=a.pk))
        assert response.status_code == 302
        assert list(meeting.items.values_list("title", "position")) == [("B", 1)]
        services.open_meeting(meeting=meeting, by=fac)  # B is current: it has run
        page = client.get(self._url("meeting", meeting)).content.decode()
        assert self._url("item_remove", meeting, item_id=b.pk) not in page
        client.post(self._url("item_remove", meeting, item_id=b.pk))
        assert meeting.items.filter(pk=b.pk).exists()

    def test_a_member_sees_no_remove_and_cannot_remove(self, client, meeting, people):
        item = services.add_item(meeting=meeting, kind="other", title="A", by=people["fac"])
        client.force_login(people["ana"])
        page = client.get(self._url("meeting", meeting)).content.decode()
        assert self._url("item_remove", meeting, item_id=item.pk) not in page
        client.post(self._url("item_remove", meeting, item_id=item.pk))
        assert meeting.items.filter(pk=item.pk).exists()


def test_an_answer_never_carries_html_another_request_left_behind(client, meeting, people):
    """A broadcast hands its HTML to the view of the same thread; one a view
    did not take (a page post, a test without commits) must not become the
    next request's answer."""
    from realtime import fragments

    fragments.hand_over(meeting.pk, '<div id="room-state" data-state="stale"></div>')
    client.force_login(people["fac"])
    response = client.post(
        reverse(
            "realtime:action", kwargs={"org": "acme", "meeting_id": meeting.pk, "action": "open"}
        ),
        HTTP_HX_REQUEST="true",
    )
    assert 'data-state="stale"' not in response.content.decode()
    assert 'data-state="open"' in response.content.decode()


class TestLeadsMustBeMembers:
    """A lead from outside the circle is refused in the viewer's language,
    the role named in it too (the English word stayed in the French)."""

    def _schedule(self, people, **leads):
        from datetime import timedelta

        return services.schedule_meeting(
            circle=people["circle"],
            title="Weekly",
            scheduled_start=timezone.now() + timedelta(hours=1),
            by=people["fac"],
            **{"facilitator": people["fac"], **leads},
        )

    @pytest.mark.parametrize(
        ("lead", "french"),
        [
            ("facilitator", "Le ou la facilitateur·rice doit être membre du cercle."),
            ("secretary", "Le ou la secrétaire doit être membre du cercle."),
        ],
    )
    def test_the_refusal_names_the_role_in_french(self, people, lead, french):
        from django.utils import translation

        with translation.override("fr"), pytest.raises(Invalid) as refused:
            self._schedule(people, **{lead: people["outsider"]})
        assert refused.value.message == french
        assert refused.value.field == lead
        assert not Meeting.objects.filter(circle=people["circle"]).exists()
