"""Recompute every hash of the log and check its sequence.

Exits non-zero naming the first bad entry. ``--org SLUG`` checks one
organization; without it, every organization is checked.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from decisions.services import verify_log


class Command(BaseCommand):
    help = "Verify the hash chain of the decision log."

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="Only this organization.")

    def handle(self, *args, org=None, **options):
        Organization = apps.get_model("circles", "Organization")
        organizations = Organization.objects.order_by("slug")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the short name {org!r}.")
        failures = 0
        for organization in organizations:
            result = verify_log(organization_id=organization.pk)
            if result.ok:
                self.stdout.write(
                    f"{organization.slug}: OK, {result.count} entries, head {result.head_hash}"
                )
            else:
                failures += 1
                self.stderr.write(
                    f"{organization.slug}: FAILED at entry #{result.first_bad}: {result.problem}"
                )
        if failures:
            raise CommandError(f"{failures} log(s) failed verification.")
