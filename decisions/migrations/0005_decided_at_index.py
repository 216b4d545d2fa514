"""An index for the log's date-range filter (decided_at within one organization).

Plain SQL valid on SQLite and PostgreSQL, so the log core's model stays as it is.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_search_vectors")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS decision_org_decided "
            "ON decisions_decision (organization_id, decided_at);",
            "DROP INDEX IF EXISTS decision_org_decided;",
        )
    ]
