"""Email each circle's facilitator and secretary about reviews and term ends
14 days away (or fewer, if not reminded yet). Run daily; idempotent."""

from django.core.management.base import BaseCommand

from logbook.reminders import send_review_reminders


class Command(BaseCommand):
    help = "Send review-date and term-end reminders (idempotent; run daily)."

    def handle(self, *args, **options):
        sent = send_review_reminders()
        self.stdout.write(f"{sent} reminder email(s) sent.")
