"""The job queue: the database backend run by the product's worker, retries with
backoff that never send an email twice, periodic jobs enqueued once per period."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from core import jobs
from core.models import ScheduledRun, SentEmail

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@jobs.job
def flaky(*, key: str, attempt: int = 1) -> str:
    """Sends its email, then fails on the first try (a crash after the send)."""
    jobs.send_once(key=key, message=EmailMessage("Hello", "Body", None, ["ana@example.org"]))
    if attempt == 1:
        raise RuntimeError("lost the connection after sending")
    return "done"


def _work():
    call_command("run_worker", "--batch", "--no-scheduler", verbosity=0)


@pytest.fixture
def database_backend():
    with override_settings(TASKS=DATABASE_BACKEND):
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_backend")
class TestTheWorker:
    def test_it_runs_a_queued_email_once(self):
        jobs.send_email.enqueue(key="welcome:1", to=["ana@example.org"], subject="Hi", body="B")
        assert DBTaskResult.objects.get().status == "READY"
        assert mail.outbox == []  # nothing in the request: the worker sends it
        _work()
        assert [m.subject for m in mail.outbox] == ["Hi"]
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"
        assert SentEmail.objects.filter(key="welcome:1").exists()

    def test_a_failed_job_is_retried_and_does_not_send_twice(self, monkeypatch):
        monkeypatch.setattr(jobs, "backoff", lambda attempt: timedelta(0))
        flaky.enqueue(key="flaky:1")
        _work()
        statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
        # The failure stays visible (the admin lists it); the retry succeeded.
        assert statuses == ["FAILED", "SUCCESSFUL"]
        assert len(mail.outbox) == 1

    def test_a_job_failing_every_time_stops_after_the_last_try(self, monkeypatch, settings):
        settings.JOB_MAX_ATTEMPTS = 3
        monkeypatch.setattr(jobs, "backoff", lambda attempt: timedelta(0))
        jobs.send_email.enqueue(key="bad", to=["not an address"], subject="x\ny", body="b")
        _work()
        assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED"] * 3
        assert not SentEmail.objects.exists()

    def test_two_schedulers_enqueue_a_period_once(self):
        first = jobs.schedule_due()
        second = jobs.schedule_due()
        assert "reminders" in " ".join(first) and second == []
        assert ScheduledRun.objects.count() == len(first)
        assert DBTaskResult.objects.count() == len(first)
        _work()
        assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_periods_are_local_and_digests_wait_for_their_hour():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    entry = jobs.Periodic("digest-daily", "daily", "x", at_hour=7)
    paris = ZoneInfo("Europe/Paris")
    assert jobs.period_key(entry, datetime(2026, 12, 2, 6, 0, tzinfo=paris)) is None
    key = jobs.period_key(entry, datetime(2026, 12, 2, 8, 0, tzinfo=paris))
    assert key == "digest-daily:2026-12-02"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_backend")
def test_a_job_whose_worker_was_killed_is_run_again_and_sends_nothing_twice():
    from django.utils import timezone

    # Two notification emails of one job: the first went out before the kill.
    jobs.send_once(key="notification:1", message=EmailMessage("1", "b", None, ["a@example.org"]))
    result = jobs.send_email.enqueue(
        key="notification:1", to=["a@example.org"], subject="1", body="b"
    )
    jobs.send_email.enqueue(key="notification:2", to=["a@example.org"], subject="2", body="b")
    # The worker claimed the first job and died (SIGKILL): it stays "running".
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
    )
    assert [key for key in jobs.schedule_due() if "stale" in key] == ["requeued a stale job"]
    _work()
    assert [m.subject for m in mail.outbox] == ["1", "2"]  # "1" once: before the kill
    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"
    assert SentEmail.objects.count() == 2
