"""Email the holder and the circle's facilitator once when a term ends soon."""

from django.core.management.base import BaseCommand

from elections import services


class Command(BaseCommand):
    help = (
        "Send one reminder per role assignment whose term ends within --days "
        "(default 60) to its holder and the circle's facilitator. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=60)

    def handle(self, *args, days: int, **options):
        sent = services.send_term_reminders(within_days=days)
        self.stdout.write(f"{sent} reminder(s) sent.")
