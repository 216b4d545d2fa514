"""Background jobs: django-tasks, run by the product's own worker.

A job is a django-tasks ``Task`` declared with :func:`job`; with the database
backend (``django_tasks_db``, the default) it is a row of the site's own
database that ``manage.py run_worker`` runs. Three rules hold for every job:

- **Enqueued with the change.** :func:`enqueue` called inside a service's
  transaction writes the job's row in that transaction (the database
  backend), so a change that commits always has its job and one that rolls
  back has none. Other backends (the immediate one of the tests) run it after
  commit.
- **Tried again with backoff.** A job that raises is recorded as failed
  (visible in the admin, "DB task results") and enqueued again after 30 s,
  2 min, 8 min… up to ``JOB_MAX_ATTEMPTS`` tries in all.
- **An email once.** :func:`send_once` records the email's key in the
  transaction that sends it; a job tried again (or a second worker) finds the
  key and skips it. (If the process dies after the mail server accepted a
  message and before the commit, that one message can go twice: no mail
  server takes an idempotency key.)

Periodic work (reminders, digests) is registered with :func:`periodic`; the
worker's scheduler (:func:`schedule_due`) enqueues each period's job once,
whichever of several schedulers gets there first (``ScheduledRun``).
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task, task_backends

logger = logging.getLogger(__name__)


def backoff(attempt: int) -> timedelta:
    """The wait before try ``attempt + 1``: 30 s, 2 min, 8 min, 32 min, … (capped at 6 h)."""
    return min(timedelta(seconds=30 * 4 ** (attempt - 1)), timedelta(hours=6))


def _defers(backend) -> bool:
    return bool(getattr(backend, "supports_defer", False))


def job(func: Callable | None = None, *, priority: int = 0):
    """Declare a job: a module-level function run by the worker, retried with backoff.

    The function's arguments must be JSON values. The wrapper takes one more
    keyword, ``attempt`` (1 for the first try), and passes it on only if the
    function asks for it.
    """

    def wrap(function: Callable):
        wants_attempt = (
            "attempt"
            in function.__code__.co_varnames[
                : function.__code__.co_argcount + function.__code__.co_kwonlyargcount
            ]
        )
        holder: dict = {}

        @functools.wraps(function)
        def run(*args, attempt: int = 1, **kwargs):
            try:
                if wants_attempt:
                    return function(*args, attempt=attempt, **kwargs)
                return function(*args, **kwargs)
            except Exception:
                this = holder["task"]
                backend = this.get_backend()
                if attempt < settings.JOB_MAX_ATTEMPTS and _defers(backend):
                    wait = backoff(attempt)
                    this.using(run_after=timezone.now() + wait).enqueue(
                        *args, attempt=attempt + 1, **kwargs
                    )
                    logger.warning(
                        "job %s failed (try %d); tried again in %s", this.name, attempt, wait
                    )
                else:
                    logger.error("job %s failed (try %d); not tried again", this.name, attempt)
                raise

        holder["task"] = task(priority=priority)(run)
        return holder["task"]

    return wrap(func) if func is not None else wrap


def _transactional(backend) -> bool:
    """Whether the backend writes a job as a row of the site's database."""
    from django_tasks_db import DatabaseBackend

    return isinstance(backend, DatabaseBackend)


def enqueue(job_task, *args, **kwargs) -> None:
    """Enqueue ``job_task`` with the caller's transaction (see the module's docstring)."""
    if _transactional(job_task.get_backend()):
        job_task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: job_task.enqueue(*args, **kwargs))


def send_once(*, key: str, message: EmailMultiAlternatives) -> bool:
    """Send ``message`` unless an email of ``key`` went already; True if sent now.

    The key is inserted, then the message sent, in one transaction: a failed
    send rolls the key back (the job's next try sends it), and a concurrent
    job with the same key waits on the insert and then skips.
    """
    from core.models import SentEmail

    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(key=key[:200])
        except IntegrityError:
            return False
        message.send()
    return True


def send_batch(messages: list[tuple[str, EmailMultiAlternatives]], *, connection) -> int:
    """Send many keyed messages over one open mail ``connection``, inside the
    caller's transaction; the number sent.

    The keys are inserted in bulk first (an ``IntegrityError`` if any of them
    went already: the caller sends that batch one by one with
    :func:`send_once`). If a send fails, the keys of the messages not sent are
    deleted again and the error raised: the caller's rows of those must go
    back too (it catches, undoes, commits what went, re-raises). A worker
    killed mid-batch may send again what went before its commit, as
    :func:`send_once` may for its one message.
    """
    from core.models import SentEmail

    if not messages:
        return 0
    with transaction.atomic():
        SentEmail.objects.bulk_create([SentEmail(key=key[:200]) for key, _m in messages])
    sent = 0
    try:
        for _key, message in messages:
            connection.send_messages([message])
            sent += 1
    except Exception as error:
        unsent = [key[:200] for key, _m in messages[sent:]]
        SentEmail.objects.filter(key__in=unsent).delete()
        raise BatchFailed(sent) from error
    return sent


class BatchFailed(Exception):
    """A send of :func:`send_batch` failed; ``sent`` went before it."""

    def __init__(self, sent: int):
        super().__init__(f"{sent} sent before the failure")
        self.sent = sent


@job
def send_email(
    *,
    key: str,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    headers: dict | None = None,
) -> bool:
    """One email, sent once by ``key`` (an invitation, a notification, a digest)."""
    message = EmailMultiAlternatives(subject, body, None, to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    return send_once(key=key, message=message)


# Periodic work ------------------------------------------------------------

#: How often a periodic job runs, and the key of the period ``now`` is in
#: (local time, TIME_ZONE).
PERIODS: dict[str, Callable[[datetime], str]] = {
    "hourly": lambda local: local.strftime("%Y-%m-%dT%H"),
    "daily": lambda local: local.strftime("%Y-%m-%d"),
    "weekly": lambda local: "{}-W{:02d}".format(*local.isocalendar()[:2]),
}


@dataclass(frozen=True)
class Periodic:
    name: str
    period: str
    job_path: str
    #: The local hour from which the period's run is due (daily and weekly).
    at_hour: int = 0
    #: Weekly: the ISO weekday (1 = Monday) from which the week's run is due.
    weekday: int = 1


_periodic: dict[str, Periodic] = {}


def periodic(name: str, *, period: str, job_path: str, at_hour: int = 0, weekday: int = 1) -> None:
    """Register a periodic job (from an ``AppConfig.ready``), by the dotted path of its task."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    _periodic[name] = Periodic(name, period, job_path, at_hour, weekday)


def periodic_jobs() -> list[Periodic]:
    return [_periodic[name] for name in sorted(_periodic)]


def period_key(entry: Periodic, now: datetime) -> str | None:
    """The key of ``entry``'s period at ``now``, or None while it is not due yet."""
    local = timezone.localtime(now)
    if entry.period in ("daily", "weekly") and local.hour < entry.at_hour:
        return None
    if entry.period == "weekly" and local.isoweekday() < entry.weekday:
        return None
    return f"{entry.name}:{PERIODS[entry.period](local)}"


def schedule_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose period has no run yet; the keys enqueued now."""
    from django.utils.module_loading import import_string

    from core.models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    if _transactional(default_backend()):
        for _n in range(requeue_stale(now=now)):
            enqueued.append("requeued a stale job")
    for entry in periodic_jobs():
        key = period_key(entry, now)
        if key is None:
            continue
        job_task = import_string(entry.job_path)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(key=key)
                # The run's row and its job's row commit together (database
                # backend): a scheduler that dies in between leaves neither.
                enqueue(job_task, period=key)
        except IntegrityError:
            continue  # another scheduler enqueued this period
        enqueued.append(key)
    return enqueued


def default_backend():
    return task_backends["default"]


def requeue_stale(*, now: datetime | None = None) -> int:
    """Enqueue again each job left running by a worker that died (killed, host
    lost) more than ``JOB_STALE_MINUTES`` ago, and mark the stale one failed.

    Safe because every job is idempotent: its emails carry keys
    (:func:`send_once`) and its rows unique constraints, so what the dead
    worker had done is not done twice, and what it had not is done now.
    """
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    again = 0
    for stale in DBTaskResult.objects.filter(status="RUNNING", started_at__lt=limit):
        with transaction.atomic():
            claimed = DBTaskResult.objects.filter(pk=stale.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path="core.jobs.StaleJob",
                traceback="The worker running it stopped before it finished; enqueued again.",
            )
            if not claimed:
                continue  # another scheduler took it
            try:
                job_task = import_string(stale.task_path)
            except ImportError:
                logger.error("stale job %s: %s no longer exists", stale.pk, stale.task_path)
                continue
            enqueue(job_task, *stale.args_kwargs["args"], **stale.args_kwargs["kwargs"])
            again += 1
    return again
