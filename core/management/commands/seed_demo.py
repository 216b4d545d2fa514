"""Load the demo collective (idempotent: a second run changes nothing)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from core import demo


class Command(BaseCommand):
    help = "Create the demo collective: circles, members, proposals, an election, a meeting."

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        ctx: dict = {"stdout": self.stdout, "created": False}
        with transaction.atomic():
            for seed in demo.parts():
                seed(ctx)
        logins = ctx.get("logins", [])
        if ctx["created"]:
            self.stdout.write(self.style.SUCCESS("Demo collective created."))
        else:
            self.stdout.write("Demo collective already there; nothing changed.")
        if logins:
            self.stdout.write(f"Demo logins (password for all: {ctx.get('password', '')}):")
            for email, role in logins:
                self.stdout.write(f"  {email:<28} {role}")
