"""A person's time zone: set on the profile and in the API (a zone zoneinfo
does not know is refused), active on the pages, and the dates of their
emails and digests shown in it; each digest goes at their own morning."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.services import create_api_token
from core.errors import Invalid
from notifications import services
from notifications.models import Digest
from realtime import services as meeting_services
from tests.proposals.conftest import build_team

START = datetime(2026, 12, 10, 18, 30, tzinfo=UTC)  # 19:30 in Paris, 13:30 in Montreal


@pytest.fixture
def team(db, make_user):
    team = build_team(make_user)
    for user in team.all_members:
        user.language = "en"
        user.save()
    return team


def _schedule(team, run_jobs):
    with run_jobs(execute=True):
        meeting_services.schedule_meeting(
            circle=team.circle,
            title="Budget",
            scheduled_start=START,
            facilitator=team.facilitator,
            by=team.facilitator,
        )


def _notice_to(user):
    return [m for m in mail.outbox if m.to == [user.email] and not m.attachments]


class TestSetting:
    def test_the_profile_sets_it_and_refuses_an_unknown_zone(self, client, team):
        ana = team.members[0]
        client.force_login(ana)
        page = client.get(reverse("accounts:profile")).content.decode()
        assert 'name="time_zone"' in page and "America/Montreal" in page
        response = client.post(
            reverse("accounts:profile"),
            {"display_name": "Ana", "language": "en", "time_zone": "America/Montreal"},
        )
        assert response.status_code == 302
        ana.refresh_from_db()
        assert ana.time_zone == "America/Montreal"
        response = client.post(
            reverse("accounts:profile"),
            {"display_name": "Ana", "language": "en", "time_zone": "Mars/Olympus"},
        )
        assert response.status_code == 200 and "time_zone" in response.context["form"].errors
        ana.refresh_from_db()
        assert ana.time_zone == "America/Montreal"

    def test_the_service_refuses_an_unknown_zone_and_changes_nothing(self, team):
        ana = team.members[0]
        with pytest.raises(Invalid) as refused:
            account_services.update_profile(
                user=ana, display_name="New", language="en", time_zone="Europe/Atlantis"
            )
        assert refused.value.field == "time_zone"
        ana.refresh_from_db()
        assert ana.display_name != "New" and ana.time_zone == "Europe/Paris"

    def test_the_api_reads_and_sets_it(self, client, team):
        ana = team.members[0]
        _token, raw = create_api_token(user=ana, name="t")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert client.get("/api/v1/me", **auth).json()["time_zone"] == "Europe/Paris"
        response = client.patch(
            "/api/v1/me", {"time_zone": "Asia/Tokyo"}, content_type="application/json", **auth
        )
        assert response.status_code == 200 and response.json()["time_zone"] == "Asia/Tokyo"
        assert response.json()["language"] == "en"  # left out: kept
        refused = client.patch(
            "/api/v1/me", {"time_zone": "Nowhere"}, content_type="application/json", **auth
        )
        assert refused.status_code == 400 and refused.json()["field"] == "time_zone"
        ana.refresh_from_db()
        assert ana.time_zone == "Asia/Tokyo"

    def test_pages_show_dates_in_the_viewers_zone(self, client, team, rf):
        from accounts.middleware import UserLanguageMiddleware

        ana = team.members[0]
        ana.time_zone = "Asia/Tokyo"
        ana.save()
        seen = {}

        def view(request):
            seen["zone"] = str(timezone.get_current_timezone())
            return None

        request = rf.get("/")
        request.user = ana
        UserLanguageMiddleware(view)(request)
        assert seen["zone"] == "Asia/Tokyo"
        assert str(timezone.get_current_timezone()) == "Europe/Paris"  # put back after


class TestEmails:
    def test_a_date_in_a_notification_email_shows_in_the_recipients_zone(
        self, team, django_capture_on_commit_callbacks
    ):
        ana, bo = team.members[0], team.members[1]
        ana.time_zone = "America/Montreal"
        ana.save()
        for user in (ana, bo):
            services.set_preferences(user=user, choices={"meeting_scheduled": "immediately"})
        _schedule(team, django_capture_on_commit_callbacks)
        (to_ana,) = _notice_to(ana)
        (to_bo,) = _notice_to(bo)
        assert "1:30 p.m." in to_ana.subject and "7:30 p.m." not in to_ana.subject
        assert "7:30 p.m." in to_bo.subject  # the site's zone, Europe/Paris

    def test_a_digest_shows_dates_in_the_recipients_zone(
        self, team, django_capture_on_commit_callbacks
    ):
        ana = team.members[0]
        ana.time_zone = "America/Montreal"
        ana.save()
        _schedule(team, django_capture_on_commit_callbacks)
        mail.outbox = []
        services.send_digests(frequency="daily", period="2026-12-02")
        (digest,) = _notice_to(ana)
        assert "1:30 p.m." in digest.body and "7:30 p.m." not in digest.body
        (other,) = _notice_to(team.members[1])
        assert "7:30 p.m." in other.body


class TestMorning:
    def test_each_digest_goes_at_the_persons_own_morning_once_a_day(
        self, team, django_capture_on_commit_callbacks
    ):
        ana, bo = team.members[0], team.members[1]
        ana.time_zone = "America/Montreal"  # UTC-5
        ana.save()
        _schedule(team, django_capture_on_commit_callbacks)
        mail.outbox = []
        later = timezone.now() + timedelta(days=1)
        # 07:30 in Paris, 01:30 in Montreal: Paris's people, not Ana.
        paris_morning = later.replace(hour=6, minute=30, second=0, microsecond=0, tzinfo=UTC)
        services.send_due_digests(frequency="daily", now=paris_morning)
        assert _notice_to(bo) and not _notice_to(ana)
        local_day = paris_morning.strftime("%Y-%m-%d")
        assert Digest.objects.get(recipient=bo).period == f"daily:{local_day}"
        # An hour later, again: nothing new.
        services.send_due_digests(frequency="daily", now=paris_morning + timedelta(hours=1))
        assert len(_notice_to(bo)) == 1 and not _notice_to(ana)
        # 07:30 in Montreal.
        services.send_due_digests(frequency="daily", now=paris_morning + timedelta(hours=6))
        assert len(_notice_to(ana)) == 1
        assert Digest.objects.get(recipient=ana).period == f"daily:{local_day}"
        assert len(_notice_to(bo)) == 1
