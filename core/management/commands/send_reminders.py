"""The one reminder command: every app's due reminders, each sent once."""

from django.core.management.base import BaseCommand, CommandError

from core import reminders


class Command(BaseCommand):
    help = (
        "Email every due reminder (term ends, policy reviews, consent deadlines) "
        "once, each recipient in their own language. Idempotent: run it daily, or "
        "hourly, from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=reminders.source_names(),
            help="Send only this source's reminders (may be repeated).",
        )

    def handle(self, *args, only=None, **options):
        outcome = reminders.send_due(only=only)
        self.stdout.write(f"{outcome.emails} reminder email(s) sent.")
        if outcome.failed:
            raise CommandError(
                f"{len(outcome.failed)} reminder(s) not sent (tried again next run): "
                + ", ".join(outcome.failed)
            )
