"""Digests built in batches: one email per person and period whatever the
batch size, in each one's language; a batch that meets an email already sent
is done one by one; a failed send keeps what went and the next run sends the
rest, nobody twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.models import SentEmail
from notifications import services
from notifications.models import Digest, Notification
from realtime import services as meeting_services
from tests.notifications.test_notifications import _notices
from tests.proposals.conftest import build_team


class FlakyBackend(EmailBackend):
    """The in-memory backend, failing at the ``FAIL_AT``-th message it sends."""

    FAIL_AT = None
    count = 0

    def send_messages(self, messages):
        for _message in messages:
            FlakyBackend.count += 1
            if FlakyBackend.count == FlakyBackend.FAIL_AT:
                raise OSError("the mail server went away")
        return super().send_messages(messages)


@pytest.fixture
def team(db, make_user, django_capture_on_commit_callbacks):
    team = build_team(make_user)
    team.members[0].language = "fr"
    team.members[0].save()
    for days in (3, 5):
        with django_capture_on_commit_callbacks(execute=True):
            meeting_services.schedule_meeting(
                circle=team.circle,
                title=f"<b>Meeting</b> {days}",
                scheduled_start=timezone.now() + timedelta(days=days),
                facilitator=team.facilitator,
                by=team.facilitator,
            )
    mail.outbox = []
    return team


def _per_person():
    return Counter(m.to[0] for m in _notices())


def test_every_person_gets_one_digest_whatever_the_batch(team):
    people = {u.email for u in team.all_members}
    assert services.send_digests(frequency="daily", period="2026-12-02", batch=2) == len(people)
    assert _per_person() == {email: 1 for email in people}
    french = next(m for m in _notices() if m.to == [team.members[0].email])
    assert (
        french.body.count("Une réunion du cercle Ops") == 2 and "2 notifications" in french.subject
    )
    html = french.alternatives[0][0]
    assert "&lt;b&gt;Meeting&lt;/b&gt; 3" in html and "<b>Meeting" not in html
    assert html.count("<li>") == 2
    links = {m.extra_headers["List-Unsubscribe"] for m in _notices()}
    assert len(links) == len(people)  # a link of each person's own
    token = french.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert services.read_token(token) == (team.members[0], "daily")
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert services.send_digests(frequency="daily", period="2026-12-02", batch=2) == 0
    assert len(_notices()) == len(people)


def test_a_batch_meeting_an_email_already_sent_goes_one_by_one(team):
    bo = team.members[1]
    SentEmail.objects.create(key=f"digest:{bo.pk}:daily:2026-12-02")  # another worker's
    services.send_digests(frequency="daily", period="2026-12-02", batch=10)
    counts = _per_person()
    assert bo.email not in counts
    assert counts == {u.email: 1 for u in team.all_members if u != bo}
    assert Digest.objects.filter(period="daily:2026-12-02").count() == len(team.all_members)


def test_a_failed_send_keeps_what_went_and_the_next_run_sends_the_rest(team, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_digest_batches.FlakyBackend"
    FlakyBackend.count, FlakyBackend.FAIL_AT = 0, 2
    with pytest.raises(OSError):
        services.send_digests(frequency="daily", period="2026-12-02", batch=10)
    assert len(_notices()) == 1  # the first went and is kept
    assert Digest.objects.count() == 1
    (first,) = _notices()
    waiting = Notification.objects.filter(emailed_at__isnull=True)
    assert first.to[0] not in set(waiting.values_list("recipient__email", flat=True))
    assert waiting.count() == 2 * (len(team.all_members) - 1)
    FlakyBackend.FAIL_AT = None
    services.send_digests(frequency="daily", period="2026-12-02", batch=10)
    assert _per_person() == {u.email: 1 for u in team.all_members}


class Killed(BaseException):
    """The worker dying (``kill -9`` gives no exception; this stands for the
    moment: after the mail server took a message, before the commit)."""


class DyingBackend(EmailBackend):
    """The in-memory backend; the worker dies right after its ``DIE_AFTER``-th message."""

    DIE_AFTER = None
    count = 0

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        DyingBackend.count += len(messages)
        if DyingBackend.count == DyingBackend.DIE_AFTER:
            raise Killed
        return sent


def test_a_worker_killed_after_a_send_sends_that_one_email_again_and_no_other(team, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_digest_batches.DyingBackend"
    DyingBackend.count, DyingBackend.DIE_AFTER = 0, 2
    with pytest.raises(Killed):
        services.send_digests(frequency="daily", period="2026-12-02", batch=10)
    assert len(_notices()) == 2  # the mail server has two
    assert Digest.objects.count() == 1  # the second was never committed
    DyingBackend.DIE_AFTER = None
    services.send_digests(frequency="daily", period="2026-12-02", batch=10)  # the job's retry
    counts = _per_person()
    assert set(counts) == {u.email for u in team.all_members}
    assert sorted(counts.values()) == [1] * (len(team.all_members) - 1) + [2]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
