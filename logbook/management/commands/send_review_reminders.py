"""Deprecated alias of ``manage.py send_reminders --only reviews``, kept for one
release so existing cron lines keep working (docs/DEPLOY.md)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Deprecated: use 'manage.py send_reminders' (this runs its reviews reminders only)."

    def handle(self, *args, **options):
        call_command("send_reminders", only=["reviews"], stdout=self.stdout, stderr=self.stderr)
