"""The product's worker: runs the queued jobs and schedules the periodic ones.

One process runs django-tasks-db's worker loop (``db_worker``) and, in a
thread beside it, the scheduler: every ``--tick`` seconds it enqueues the
periodic jobs whose period has come (``core.jobs.schedule_due``), each period
once however many workers run it. Run one per core in production (a systemd
template unit, docs/DEPLOY.md); ``make run`` starts one beside the server.
"""

import logging
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from core import jobs

logger = logging.getLogger("core.jobs")


def scheduler(stop: threading.Event, tick: float) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            for key in jobs.schedule_due():
                logger.info("scheduled %s", key)
        except Exception:
            # A database hiccup must not kill the worker: the next tick tries again.
            logger.exception("scheduler tick failed")
        finally:
            connection.close()
        stop.wait(tick)


class Command(BaseCommand):
    help = "Run queued jobs (emails, notifications, reminders, digests) and schedule periodic ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument(
            "--tick", type=float, default=60.0, help="Seconds between scheduler runs."
        )
        parser.add_argument("--no-scheduler", action="store_true", help="Only run jobs.")
        parser.add_argument(
            "--batch", action="store_true", help="Schedule once, run every ready job, then exit."
        )
        parser.add_argument("--worker-id", default="", help="Unique per worker (default: random).")

    def handle(self, *args, interval, tick, no_scheduler, batch, worker_id, verbosity, **options):
        level = logging.INFO if verbosity >= 1 else logging.WARNING
        logging.getLogger("django_tasks_db").setLevel(level)
        logging.getLogger("django_tasks").setLevel(level)
        stop = threading.Event()
        if batch:
            if not no_scheduler:
                jobs.schedule_due()
        elif not no_scheduler:
            threading.Thread(target=scheduler, args=(stop, tick), daemon=True).start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
