"""Notifications: each kind tells exactly the people it concerns, once; emails in
their language with absolute links and a one-click unsubscribe; digests; preferences."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from circles import services as circle_services
from circles.models import Role
from core import jobs
from elections import services as election_services
from notifications import services
from notifications.models import Digest, Frequency, Notification, Preference
from proposals import services as proposal_services
from proposals.models import Round
from realtime import services as meeting_services
from tests.proposals.conftest import build_team

TEXT = "We buy flour from mills within 50 km."


def _notices():
    """The emails sent but the meetings' invitations (their own email, with
    the calendar file: tests/realtime/test_invitations.py)."""
    return [m for m in mail.outbox if not m.attachments]


@pytest.fixture
def team(db, make_user):
    return build_team(make_user)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``action`` and the jobs it enqueues after commit (the immediate backend)."""

    def go(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return go


def _presented(team, run):
    """A proposal by ana, presented, its reactions round closed: ready for consent."""
    fay, (ana, _bo, _cy) = team.facilitator, team.members
    p = proposal_services.create_proposal(
        circle=team.circle, by=ana, title="Local flour", body=TEXT
    )
    proposal_services.present(proposal=p, by=fay)
    proposal_services.open_reactions(proposal=p, by=fay, mode=Round.Mode.REVEAL)
    proposal_services.close_round(proposal=p, by=fay)
    return p


def _recipients(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def _ids(users):
    return sorted(u.pk for u in users)


class TestEachKindTellsTheConcernedOnce:
    def test_it_asks_every_participant_but_the_facilitator_for_consent(self, team, run):
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        assert _recipients("consent_asked") == _ids(team.all_members)
        # Asked-to-act: emailed at once, each member one email.
        assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in team.all_members)
        assert Notification.objects.filter(emailed_at__isnull=True).count() == 0

    def test_outsiders_and_the_org_member_outside_the_circle_are_never_told(self, team, run):
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        told = set(_recipients("consent_asked"))
        for person in (team.org_member, team.other_org, team.outsider, team.admin):
            assert person.pk not in told

    def test_a_rolled_back_change_tells_nobody(self, team, run):
        p = _presented(team, run)
        with pytest.raises(Exception):  # noqa: B017 - the service refuses a past deadline
            run(
                proposal_services.open_async_consent,
                proposal=p,
                by=team.facilitator,
                deadline=timezone.now() - timedelta(days=1),
            )
        assert not Notification.objects.exists()

    def test_an_objection_tells_the_author_only(self, team, run):
        fay, (ana, bo, _cy) = team.facilitator, team.members
        p = _presented(team, run)
        proposal_services.open_consent_round(proposal=p, by=fay, mode=Round.Mode.REVEAL)
        run(proposal_services.answer, proposal=p, by=bo, kind="object", text="Too far")
        assert _recipients("objection_raised") == [ana.pk]
        notification = Notification.objects.get(kind="objection_raised")
        assert "Bo objects" in services.render_text(notification)

    def test_an_amendment_and_the_integration_tell_the_objector(self, team, run):
        fay, (ana, bo, _cy) = team.facilitator, team.members
        p = _presented(team, run)
        proposal_services.open_consent_round(proposal=p, by=fay, mode=Round.Mode.REVEAL)
        proposal_services.answer(proposal=p, by=bo, kind="object", text="Too far")
        proposal_services.acknowledge(proposal=p, by=fay)
        run(proposal_services.amend, proposal=p, by=fay, body=TEXT + " 10 km.", change_note="km")
        assert _recipients("proposal_amended") == [bo.pk]
        objection = p.objections.get()
        run(
            proposal_services.resolve_objection,
            proposal=p,
            by=fay,
            objection_id=objection.pk,
            resolution="integrated",
            revision=2,
            reason="Now 10 km",
        )
        assert _recipients("objection_integrated") == [bo.pk]
        assert ana.pk not in _recipients("objection_integrated")

    def test_a_meeting_scheduled_tells_the_circle_but_its_scheduler(self, team, run):
        fay = team.facilitator
        run(
            meeting_services.schedule_meeting,
            circle=team.circle,
            title="Monthly",
            scheduled_start=timezone.now() + timedelta(days=3),
            facilitator=fay,
            by=fay,
        )
        assert _recipients("meeting_scheduled") == _ids(team.all_members)
        # Not asked to act: no email now, it waits for the daily digest.
        assert _notices() == []

    def test_a_job_run_twice_writes_and_sends_nothing_more(self, team, run):
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        event = Notification.objects.filter(kind="consent_asked").first()
        before, emails = Notification.objects.count(), len(mail.outbox)
        # The same event again (a retried job): the unique key holds, nothing is re-sent.
        services.fan_out(
            kind="consent_asked",
            subject="proposals.proposal",
            subject_id=p.pk,
            params=event.params,
            key=event.event_key,
        )
        assert Notification.objects.count() == before
        assert len(mail.outbox) == emails


class TestSelections:
    def test_nominated_proposed_and_selected_tell_the_nominee(self, team, run):
        fay, (ana, bo, cy) = team.facilitator, team.members
        role = Role.objects.get(circle=team.circle, kind="secretary")
        election = election_services.open_election(role=role, by=fay)
        election_services.start_nominating(election=election, by=fay)
        for who in (fay, ana, bo, cy):
            election_services.nominate(election=election, by=who, nominee=bo, reason="careful")
        assert not Notification.objects.exists()  # hidden until shown
        run(election_services.show_nominations, election=election, by=fay)
        assert _recipients("nominated") == [bo.pk]
        election_services.start_proposing(election=election, by=fay)
        election.refresh_from_db()
        run(
            election_services.propose,
            election=election,
            by=fay,
            nominee=bo,
            term_end=election.term_end,
            reason="careful",
        )
        assert _recipients("proposed") == [bo.pk]
        from elections import selectors

        people = {u.pk: u for u in team.participants}
        for uid in selectors.current_round(election).speakers:
            election_services.answer(election=election, by=people[uid], kind="consent")
        run(election_services.elect, election=election, by=fay)
        assert _recipients("selected") == [bo.pk]


class TestEmails:
    def test_it_is_in_the_recipients_language_with_absolute_links_and_unsubscribe(self, team, run):
        ana = team.members[0]
        ana.language = "fr"
        ana.save()
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        (message,) = [m for m in mail.outbox if m.to == [ana.email]]
        assert "Votre consentement" in message.subject
        assert "http://testserver/o/acme/proposals/" in message.body
        html = message.alternatives[0][0]
        assert 'href="http://testserver/o/acme/proposals/' in html
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link.startswith("http://testserver/notifications/unsubscribe/")
        english = next(m for m in mail.outbox if m.to == [team.members[1].email])
        assert "Your consent is asked" in english.subject
        # Each HTML part says which language it is in (a screen reader reads it so).
        assert '<html lang="fr">' in html
        assert '<html lang="en">' in english.alternatives[0][0]

    def test_the_one_click_unsubscribe_works_without_login(self, team, run, client):
        ana = team.members[0]
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        message = next(m for m in mail.outbox if m.to == [ana.email])
        path = (
            message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
        )
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert Preference.objects.get(user=ana, kind="consent_asked").frequency == Frequency.NEVER

    def test_a_forged_token_changes_nothing(self, team, client):
        token = services.unsubscribe_token(team.members[0], "consent_asked")[:-3] + "abc"
        response = client.post(reverse("notifications:unsubscribe", kwargs={"token": token}))
        assert response.status_code == 400
        assert not Preference.objects.exists()


class TestDigests:
    def _schedule(self, team, run, when):
        run(
            meeting_services.schedule_meeting,
            circle=team.circle,
            title=f"Meeting {when}",
            scheduled_start=timezone.now() + timedelta(days=when),
            facilitator=team.facilitator,
            by=team.facilitator,
        )

    def test_a_daily_digest_groups_the_day_in_the_recipients_language_once(self, team, run):
        ana = team.members[0]
        ana.language = "fr"
        ana.save()
        self._schedule(team, run, 3)
        self._schedule(team, run, 5)
        assert services.send_digests(frequency="daily", period="2026-12-02") == len(
            team.all_members
        )
        (digest,) = [m for m in _notices() if m.to == [ana.email]]
        assert digest.body.count("Une réunion du cercle Ops") == 2
        assert "2 notifications" in digest.subject
        assert digest.extra_headers["List-Unsubscribe"].startswith("<http://testserver/")
        # Its HTML says which language it is in (a screen reader reads it so).
        assert '<html lang="fr">' in digest.alternatives[0][0]
        english = next(m for m in _notices() if m.to == [team.members[1].email])
        assert '<html lang="en">' in english.alternatives[0][0]
        # Run again (a second scheduler, a retried job): nothing more.
        assert services.send_digests(frequency="daily", period="2026-12-02") == 0
        assert Digest.objects.filter(recipient=ana).count() == 1

    def test_switching_from_digest_to_immediately_loses_nothing(self, team, run):
        ana = team.members[0]
        self._schedule(team, run, 3)
        services.set_preferences(user=ana, choices={"meeting_scheduled": "immediately"})
        self._schedule(team, run, 4)
        immediate = [m for m in _notices() if m.to == [ana.email]]
        assert len(immediate) == 1 and "Meeting 4" in immediate[0].subject
        # The one from before the switch goes in the next digest.
        services.send_digests(frequency="daily", period="2026-12-02")
        (digest,) = [m for m in _notices() if m.to == [ana.email]][1:]
        assert "Meeting 3" in digest.body and "Meeting 4" not in digest.body

    def test_a_weekly_kind_is_not_in_the_daily_digest(self, team, run):
        ana = team.members[0]
        services.set_preferences(user=ana, choices={"meeting_scheduled": "weekly"})
        self._schedule(team, run, 3)
        services.send_digests(frequency="daily", period="2026-12-02")
        assert not [m for m in _notices() if m.to == [ana.email]]
        services.send_digests(frequency="weekly", period="2026-W49")
        assert len([m for m in _notices() if m.to == [ana.email]]) == 1

    def test_never_keeps_it_in_app_only(self, team, run):
        ana = team.members[0]
        services.set_preferences(user=ana, choices={"meeting_scheduled": "never"})
        self._schedule(team, run, 3)
        services.send_digests(frequency="daily", period="2026-12-02")
        assert not [m for m in _notices() if m.to == [ana.email]]
        assert Notification.objects.filter(recipient=ana).count() == 1

    def test_a_bad_preference_is_refused_and_nothing_changes(self, team):
        from core.errors import Invalid

        with pytest.raises(Invalid):
            services.set_preferences(user=team.members[0], choices={"meeting_scheduled": "hourly"})
        assert not Preference.objects.exists()


class TestPages:
    def test_the_bell_counts_unread_and_the_page_marks_read(self, team, run, client):
        ana = team.members[0]
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        client.force_login(ana)
        page = client.get(reverse("notifications:list")).content.decode()
        assert 'class="badge" aria-hidden="true">1<' in page
        assert "Your consent is asked on “Local flour”" in page
        notification = Notification.objects.get(recipient=ana)
        response = client.post(
            reverse("notifications:read", args=[notification.pk]), {"follow": "1"}
        )
        assert response.status_code == 302 and response["Location"] == notification.url
        notification.refresh_from_db()
        assert notification.read_at is not None
        assert 'class="badge"' not in client.get(reverse("notifications:bell")).content.decode()

    def test_mark_all_read_and_someone_elses_is_not_found(self, team, run, client):
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        ana, bo = team.members[:2]
        client.force_login(ana)
        theirs = Notification.objects.get(recipient=bo)
        client.post(reverse("notifications:read", args=[theirs.pk]))
        theirs.refresh_from_db()
        assert theirs.read_at is None
        client.post(reverse("notifications:read_all"))
        assert not Notification.objects.filter(recipient=ana, read_at__isnull=True).exists()

    def test_the_preferences_page_saves_a_choice(self, team, client):
        ana = team.members[0]
        client.force_login(ana)
        assert client.get(reverse("notifications:preferences")).status_code == 200
        response = client.post(reverse("notifications:preferences"), {"review_due": "weekly"})
        assert response.status_code == 302
        assert Preference.objects.get(user=ana, kind="review_due").frequency == "weekly"
        response = client.post(reverse("notifications:preferences"), {"review_due": "x"})
        assert response.status_code == 400


class TestInvitation:
    def test_an_existing_person_invited_gets_one_email_and_a_notification(self, team, run):
        fay = team.facilitator
        olga = team.org_member
        olga.language = "fr"
        olga.save()
        run(circle_services.invite, circle=team.circle, email=olga.email, by=team.admin)
        (message,) = mail.outbox
        assert message.to == [olga.email] and "Invitation" in message.subject
        assert "http://testserver/" in message.body
        notification = Notification.objects.get(kind="invitation")
        assert notification.recipient == olga and notification.emailed_at is not None
        assert fay.pk not in _recipients("invitation")


def test_backoff_grows_and_is_capped():
    assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 120, 480]
    assert jobs.backoff(20) == timedelta(hours=6)


class TestApi:
    def _client(self, user):
        from django.test import Client

        from accounts import services as account_services

        _token, raw = account_services.create_api_token(user=user, name="t")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    def test_it_lists_counts_and_marks_my_notifications_only(self, team, run):
        p = _presented(team, run)
        run(proposal_services.open_consent_round, proposal=p, by=team.facilitator)
        ana, bo = team.members[:2]
        api = self._client(ana)
        listed = api.get("/api/v1/me/notifications").json()
        assert [n["kind"] for n in listed] == ["consent_asked"]
        assert listed[0]["text"].startswith("Your consent is asked")
        assert api.get("/api/v1/me/notifications/unread").json() == {"unread": 1}
        theirs = Notification.objects.get(recipient=bo)
        response = api.post(f"/api/v1/me/notifications/{theirs.pk}/read")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert api.post("/api/v1/me/notifications/read-all").json() == {"marked": 1}
        assert api.get("/api/v1/me/notifications?unread=true").json() == []

    def test_it_sets_preferences_and_refuses_a_bad_one_changing_nothing(self, team):
        api = self._client(team.members[0])
        body = {"preferences": [{"kind": "review_due", "frequency": "weekly"}]}
        response = api.post("/api/v1/me/notification-preferences", body, "application/json")
        assert response.status_code == 200
        row = next(r for r in response.json() if r["kind"] == "review_due")
        assert row["frequency"] == "weekly" and row["default"] == "immediately"  # a reminder
        bad = {"preferences": [{"kind": "selected", "frequency": "hourly"}]}
        response = api.post("/api/v1/me/notification-preferences", bad, "application/json")
        assert response.status_code == 400 and response.json()["code"] == "invalid"
        assert not Preference.objects.filter(kind="selected").exists()
