"""Full-text search of the log on PostgreSQL: one stored tsvector per language.

The vectors are generated columns (computed by PostgreSQL at insert, so the
log core never writes them and the append-only triggers never see an UPDATE),
each with a GIN index. Title weighs A, body B, the strings of the process
record C. SQLite has no full-text column here: decisions.search falls back to
matching words in titles and bodies.
"""

from django.db import migrations

TABLE = "decisions_decision"
CONFIGS = {"fr": "french", "en": "english"}


def _create(config: str, suffix: str) -> list[str]:
    expression = (
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(body, '')), 'B') || "
        f"setweight(jsonb_to_tsvector('{config}'::regconfig, record, '[\"string\"]'), 'C')"
    )
    return [
        f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_{suffix} tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED;",
        f"CREATE INDEX IF NOT EXISTS decision_search_{suffix} ON {TABLE} "
        f"USING gin (search_{suffix});",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix, config in CONFIGS.items():
        for sql in _create(config, suffix):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for suffix in CONFIGS:
        schema_editor.execute(f"DROP INDEX IF EXISTS decision_search_{suffix};")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_{suffix};")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0003_reading_side")]

    operations = [migrations.RunPython(forwards, backwards)]
