"""The notifications' part of an organization's export (``core.portable``):
how its members want each kind by email. A preference is a person's, not the
organization's: on import it is written for a person the import creates, and
someone who already has an account here keeps their own. The inbox, digests
and webhooks (each endpoint has a signing secret) stay out.
"""

from core import portable
from core.portable import Table
from notifications.models import Preference


class Preferences(Table):
    def load(self, organization, rows, refs) -> None:
        created = set(refs.created_people)
        if not isinstance(rows, list):
            return super().load(organization, rows, refs)
        user_field = "user"
        mine = [
            row
            for row in rows
            if isinstance(row, dict) and refs.user_id(row.get(user_field)) in created
        ]
        return super().load(organization, mine, refs)


def register() -> None:
    portable.register(
        Preferences(
            "notifications.preference",
            Preference,
            rows=lambda org: (
                Preference.objects.filter(user__organization_memberships__organization=org)
                .distinct()
                .order_by("pk")
            ),
            order=80,
            description="Members' email preferences per kind",
        )
    )
