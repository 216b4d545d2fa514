"""Invitations and calendars: scheduling emails each member of the circle in
their own language with the agenda and an .ics (parsed with icalendar);
moving it sends the update (same UID, SEQUENCE + 1); cancelling sends
METHOD:CANCEL; the circle's calendar feed holds the meeting."""

from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from circles import selectors as circle_selectors
from core.errors import Conflict, NotAllowed
from realtime import invitations, services
from realtime.models import Meeting


def _ics(message):
    (attachment,) = message.attachments
    name, content, mimetype = attachment
    assert name == "meeting.ics" and mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def scheduled(world, django_capture_on_commit_callbacks):
    world.ana.language = "fr"
    world.ana.save(update_fields=["language"])
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.schedule_meeting(
            circle=world.ops, title="Weekly", scheduled_start=start,
            facilitator=world.facilitator, by=world.facilitator,
        )  # fmt: skip
    return meeting


def _for(user):
    return [m for m in mail.outbox if m.to == [user.email] and m.attachments]


def test_scheduling_invites_each_member_in_their_language_with_the_ics(world, scheduled):
    members = list(circle_selectors.current_members(world.ops))
    invited = sorted(m.to[0] for m in mail.outbox if m.attachments)
    assert invited == sorted(u.email for u in members)
    assert world.outsider.email not in invited and world.org_member.email not in invited
    (french,) = _for(world.ana)
    assert french.subject.startswith("Invitation") and "vous invite" in french.body
    (english,) = _for(world.bo)
    assert "invites you to the meeting “Weekly” of Ops" in english.body
    calendar, event = _ics(english)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == scheduled.scheduled_start
    assert str(event["UID"]) == invitations.uid(scheduled)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == f"mailto:{world.facilitator.email}"
    assert str(event["URL"]).endswith(f"/meetings/{scheduled.pk}/")


def test_moving_sends_the_update_with_the_same_uid_and_the_next_sequence(
    world, scheduled, django_capture_on_commit_callbacks
):
    later = scheduled.scheduled_start + timedelta(days=1)
    mail.outbox.clear()
    with pytest.raises(NotAllowed):
        services.reschedule_meeting(meeting=scheduled, scheduled_start=later, by=world.bo)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_meeting(meeting=scheduled, scheduled_start=later, by=world.facilitator)
    scheduled.refresh_from_db()
    assert scheduled.sequence == 1 and scheduled.scheduled_start == later
    (update,) = _for(world.bo)
    assert update.subject.startswith("Moved: Weekly")
    _calendar, event = _ics(update)
    assert str(event["UID"]) == invitations.uid(scheduled)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == later


def test_cancelling_sends_method_cancel_and_the_meeting_stays_cancelled(
    world, scheduled, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting=scheduled, by=world.facilitator)
    scheduled.refresh_from_db()
    assert scheduled.state == Meeting.State.CANCELLED and scheduled.sequence == 1
    calendar, event = _ics(_for(world.bo)[0])
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    with pytest.raises(Conflict):
        services.open_meeting(meeting=scheduled, by=world.facilitator)


def test_the_api_moves_and_cancels(client, world, scheduled):
    client.force_login(world.facilitator)
    base = f"/api/v1/orgs/acme/meetings/{scheduled.pk}"
    later = (scheduled.scheduled_start + timedelta(hours=2)).isoformat()
    response = client.post(f"{base}/reschedule", {"scheduled_start": later},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200
    scheduled.refresh_from_db()
    assert scheduled.sequence == 1
    assert client.post(f"{base}/cancel").json()["state"] == "cancelled"


def test_the_circle_s_calendar_feed_holds_the_meeting(client, world, scheduled):
    client.force_login(world.ana)
    url = reverse("logbook:circle_calendar", kwargs={"org": "acme", "circle": "ops"})
    feed = icalendar.Calendar.from_ical(client.get(url).content)
    (event,) = [e for e in feed.walk("VEVENT") if str(e["UID"]) == invitations.uid(scheduled)]
    assert event.decoded("DTSTART") == scheduled.scheduled_start
    assert "Weekly (Ops)" in str(event["SUMMARY"])
    root = reverse("logbook:circle_calendar", kwargs={"org": "acme", "circle": "acme"})
    sibling = icalendar.Calendar.from_ical(client.get(root).content)
    assert not [e for e in sibling.walk("VEVENT") if "Weekly" in str(e.get("SUMMARY"))]


def _meeting_uids(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]


def test_a_person_s_calendar_holds_the_meetings_of_their_circles_only(client, world, scheduled):
    url = reverse("logbook:my_calendar", kwargs={"org": "acme"})
    client.force_login(world.ana)
    assert invitations.uid(scheduled) in _meeting_uids(client.get(url))
    # Olga belongs to Acme but not to Ops: the meeting is not in her calendar.
    client.force_login(world.org_member)
    assert invitations.uid(scheduled) not in _meeting_uids(client.get(url))
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_a_person_s_calendar_opens_with_their_private_link_until_revoked(client, world, scheduled):
    from circles.models import Organization
    from logbook import feeds

    acme = Organization.objects.get(slug="acme")
    token, raw = feeds.create_feed_token(user=world.ana, organization=acme)
    url = reverse("logbook:my_calendar", kwargs={"org": "acme"})
    assert client.get(url).status_code == 404
    calendar = icalendar.Calendar.from_ical(client.get(url, {"token": raw}).content)
    assert world.ana.display_name in str(calendar["X-WR-CALNAME"])
    assert invitations.uid(scheduled) in [str(e["UID"]) for e in calendar.walk("VEVENT")]
    feeds.revoke_feed_token(user=world.ana, organization=acme, token_id=token.pk)
    assert client.get(url, {"token": raw}).status_code == 404
    assert client.get(url, {"token": "cfeed_unknown"}).status_code == 404


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_meeting_page_moves_a_meeting_and_keeps_a_refused_date(
    client, world, scheduled, django_capture_on_commit_callbacks
):
    page = scheduled.get_absolute_url()
    url = reverse("realtime:reschedule", args=["acme", scheduled.pk])
    client.force_login(world.facilitator)
    assert "Move the meeting" in client.get(page).content.decode()
    past = _local(timezone.now() - timedelta(days=2))
    refused = client.post(url, {"scheduled_start": past})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "cannot start in the past" in body and f'value="{past}"' in body
    scheduled.refresh_from_db()
    assert scheduled.sequence == 0
    later = (scheduled.scheduled_start + timedelta(days=1)).replace(second=0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(url, {"scheduled_start": _local(later)})
    assert moved.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.sequence == 1 and scheduled.scheduled_start == later
    assert _for(world.bo)[0].subject.startswith("Moved: Weekly")


def test_only_who_leads_the_meeting_moves_or_cancels_it_from_the_page(client, world, scheduled):
    client.force_login(world.bo)
    assert "Move the meeting" not in client.get(scheduled.get_absolute_url()).content.decode()
    later = _local(scheduled.scheduled_start + timedelta(days=1))
    client.post(
        reverse("realtime:reschedule", args=["acme", scheduled.pk]), {"scheduled_start": later}
    )
    client.post(reverse("realtime:cancel", args=["acme", scheduled.pk]), {"confirm": "on"})
    scheduled.refresh_from_db()
    assert scheduled.sequence == 0 and scheduled.state == Meeting.State.SCHEDULED


def test_the_meeting_page_cancels_a_meeting_once_confirmed(
    client, world, scheduled, django_capture_on_commit_callbacks
):
    url = reverse("realtime:cancel", args=["acme", scheduled.pk])
    client.force_login(world.facilitator)
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400
    scheduled.refresh_from_db()
    assert scheduled.state == Meeting.State.SCHEDULED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirm": "on"}).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.state == Meeting.State.CANCELLED and scheduled.sequence == 1
    calendar, _event = _ics(_for(world.bo)[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert "Move the meeting" not in client.get(scheduled.get_absolute_url()).content.decode()


def test_the_ics_of_each_invitation_is_in_its_recipient_s_language(
    world, django_capture_on_commit_callbacks
):
    """The calendar file's words (its description's "Agenda:") are the
    recipient's, like the email around it, whoever scheduled."""
    world.ana.language = "fr"
    world.ana.save(update_fields=["language"])
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    for scheduler_speaks in ("en", "fr"):
        mail.outbox.clear()
        with (
            translation.override(scheduler_speaks),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.schedule_meeting(
                circle=world.ops, title=f"Weekly {scheduler_speaks}", scheduled_start=start,
                facilitator=world.facilitator, by=world.facilitator, template="frame",
            )  # fmt: skip
        (french,) = _for(world.ana)
        (english,) = _for(world.bo)
        description = {
            who: str(_ics(message)[1]["DESCRIPTION"])
            for who, message in (("fr", french), ("en", english))
        }
        assert description["fr"].startswith("Ordre du jour :\n1. "), description
        assert description["en"].startswith("Agenda:\n1. "), description
