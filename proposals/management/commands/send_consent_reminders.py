from django.core.management.base import BaseCommand

from proposals.services import send_consent_reminders


class Command(BaseCommand):
    help = (
        "Email each member who has not yet answered an open asynchronous consent "
        "round, once (safe to run as often as you like, e.g. hourly from cron)."
    )

    def handle(self, *args, **options):
        sent = send_consent_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
