"""Write an organization, whole, as one JSON document (``core.portable``).

``manage.py export_organization SLUG`` prints it; ``-o FILE`` writes it to a
file. ``--schema`` prints the JSON Schema of the format instead (the one
published as docs/schema/organization-v1.json).
"""

import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from core import portable


class Command(BaseCommand):
    help = "Export an organization, whole, as one JSON document."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="The organization's short name.")
        parser.add_argument("-o", "--output", metavar="FILE", help="Write to FILE.")
        parser.add_argument(
            "--schema", action="store_true", help="Print the format's JSON Schema instead."
        )

    def handle(self, *args, slug=None, output=None, schema=False, **options):
        if schema:
            document = portable.json_schema()
        else:
            if not slug:
                raise CommandError("Name the organization: export_organization SLUG.")
            Organization = apps.get_model("circles", "Organization")
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"No organization with the short name {slug!r}.")
            document = portable.export_organization(organization)
        text = json.dumps(document, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            if not schema:
                head = document["decisions.log"]["head"]
                self.stdout.write(
                    f"{slug}: written to {output} ({len(document['people'])} people, "
                    f"log head #{head['sequence']} {head['hash']})."
                )
        else:
            self.stdout.write(text, ending="")
