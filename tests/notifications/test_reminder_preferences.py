"""Reminders (term ending, review due, consent deadline) are notifications that
follow each person's preference for their kind: by default an email at once;
daily puts it in the digest; never keeps it in-app only."""

import pytest
from django.core import mail
from django.core.management import call_command

from notifications import services
from notifications.models import Notification
from tests.core.test_reminders import SITE, _to, due  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.CERCLE_SITE_URL = SITE


def _notice(user, kind):
    return Notification.objects.get(recipient=user, kind=kind)


def test_by_default_each_reminder_is_an_email_at_once(due):  # noqa: F811
    team, *_rest = due
    bo = team.members[1]
    call_command("send_reminders")
    assert len(_to(bo)) == 2  # his term, and the consent deadline
    assert _notice(bo, "term_ending").emailed_at is not None
    assert _notice(bo, "consent_deadline").emailed_at is not None


def test_daily_puts_the_reminder_in_the_digest_never_keeps_it_in_app(due):  # noqa: F811
    team, *_rest = due
    fay, (ana, bo, _cy) = team.facilitator, team.members
    services.set_preferences(user=bo, choices={"term_ending": "daily"})
    services.set_preferences(user=fay, choices={"review_due": "never", "term_ending": "never"})
    call_command("send_reminders")
    bo_mails = _to(bo)
    assert len(bo_mails) == 1 and "Garden" in bo_mails[0].subject + bo_mails[0].body
    assert _notice(bo, "term_ending").emailed_at is None  # waits for the digest
    fay_mails = _to(fay)
    assert len(fay_mails) == 1  # the consent deadline only
    assert _notice(fay, "review_due").emailed_at is None
    assert _notice(fay, "term_ending").emailed_at is None
    assert len(_to(ana)) == 3  # the defaults: term, review, consent
    # The daily digest carries Bo's term, not Fay's "never" ones.
    mail.outbox = []
    services.send_digests(frequency="daily", period="2026-12-02")
    (digest,) = _to(bo)
    assert "Treasurer" in digest.body
    assert _to(fay) == []
    assert _notice(bo, "term_ending").emailed_at is not None
    assert _notice(fay, "review_due").emailed_at is None
    # Run again: nothing more.
    mail.outbox = []
    call_command("send_reminders")
    assert mail.outbox == []
