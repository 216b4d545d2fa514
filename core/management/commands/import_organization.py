"""Create an organization from a document ``export_organization`` wrote.

All or nothing: a refused document writes nothing and the reason is printed.
People are found by email address; those without an account here get one
without a usable password (they set it with "forgot my password"). The
imported log keeps its numbers and hashes: ``verify_decisions --org SLUG
--against FILE`` checks it against the file's head.
"""

from django.core.management.base import BaseCommand, CommandError

from core import portable
from decisions.services import verify_log


class Command(BaseCommand):
    help = "Import an organization exported by export_organization."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON document.")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        try:
            organization = portable.import_organization(portable.read(raw))
        except portable.Refused as exc:
            raise CommandError(f"Refused, nothing was imported: {exc.message}") from None
        result = verify_log(organization_id=organization.pk)
        created = len(getattr(organization, "created_people", []))
        self.stdout.write(
            f"{organization.slug}: imported; log verified, {result.count} entries, "
            f"head {result.head_hash}; {created} new account(s) without a password."
        )
