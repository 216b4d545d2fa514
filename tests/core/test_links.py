"""Every link that leaves the site (email, feed) is absolute, from SITE_URL."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.links import absolute
from proposals import services
from tests.proposals.conftest import build_team

SITE = "https://cercle.example.org"


@pytest.fixture
def team(db, make_user):
    return build_team(make_user)


def test_absolute_joins_the_site_url_and_a_path():
    with override_settings(CERCLE_SITE_URL=SITE + "/"):
        assert absolute("/o/coop/") == SITE + "/o/coop/"
        assert absolute("o/coop/") == SITE + "/o/coop/"


@override_settings(CERCLE_SITE_URL=SITE)
def test_the_consent_reminder_links_to_the_proposal_absolutely(team):
    fay, ana = team.facilitator, team.members[0]
    proposal = services.create_proposal(circle=team.circle, by=ana, title="Quiet hours", body="x")
    services.present(proposal=proposal, by=fay)
    services.open_async_consent(
        proposal=proposal, by=fay, deadline=timezone.now() + timedelta(days=3)
    )
    call_command("send_consent_reminders")
    assert mail.outbox
    path = reverse("proposals:detail", kwargs={"org": team.organization.slug, "pk": proposal.pk})
    for message in mail.outbox:
        assert SITE + path in message.body, message.body


@override_settings(CERCLE_SITE_URL=SITE)
def test_the_password_reset_link_comes_from_site_url_not_the_host(client, make_user):
    make_user("alice")
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    assert re.search(re.escape(SITE) + r"/accounts/password-reset/\S+/", mail.outbox[0].body)
    assert "testserver" not in mail.outbox[0].body


@override_settings(CERCLE_SITE_URL=SITE)
def test_the_invitation_link_is_absolute(team, django_capture_on_commit_callbacks):
    from circles import services as circle_services

    with django_capture_on_commit_callbacks(execute=True):
        circle_services.invite(circle=team.circle, email="new@example.org", by=team.admin)
    assert re.search(re.escape(SITE) + r"/\S+", mail.outbox[0].body), mail.outbox[0].body
