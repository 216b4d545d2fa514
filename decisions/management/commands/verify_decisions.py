"""Recompute every hash of the log and check its sequence.

Exits non-zero naming the first bad entry. ``--org SLUG`` checks one
organization; without it, every organization is checked. ``--against FILE``
(with ``--org``) also checks that the live log still contains a JSON export
made earlier: same entries, same hashes, same head at that sequence.
"""

import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from decisions.services import verify_log


class Command(BaseCommand):
    help = "Verify the hash chain of the decision log."

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="Only this organization.")
        parser.add_argument(
            "--against", metavar="FILE", help="A JSON export to check against the live log."
        )

    def handle(self, *args, org=None, against=None, **options):
        Organization = apps.get_model("circles", "Organization")
        organizations = Organization.objects.order_by("slug")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the short name {org!r}.")
        if against:
            if not org:
                raise CommandError("--against needs --org SLUG.")
            self._check_copy(organizations.get(), against)
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

    def _check_copy(self, organization, path: str) -> None:
        from decisions.copies import check_copy

        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        result = check_copy(organization, document)
        if not result.ok:
            raise CommandError(
                f"{organization.slug}: the copy {path} does not match: {result.problem}"
            )
        self.stdout.write(
            f"{organization.slug}: the live log still contains {path} unchanged "
            f"({result.entries} entries, head #{result.head_sequence})."
        )
