"""Database triggers that refuse UPDATE and DELETE on the decision log.

The model refuses them already, but querysets (``.update()``, ``.delete()``)
and raw SQL go around the model; the triggers hold on every path.
"""

from django.db import migrations

TABLE = "decisions_decision"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: supersede with a new entry'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: supersede with a new entry'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS decisions_no_update;",
    "DROP TRIGGER IF EXISTS decisions_no_delete;",
]

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION decisions_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'decisions are append-only: supersede with a new entry'
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE TRIGGER decisions_no_update_or_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION decisions_refuse_change();""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS decisions_no_update_or_delete ON {TABLE};",
    "DROP FUNCTION IF EXISTS decisions_refuse_change();",
]

STATEMENTS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRES_CREATE, POSTGRES_DROP),
}


def create_triggers(apps, schema_editor):
    create, _drop = STATEMENTS[schema_editor.connection.vendor]
    for sql in create:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    _create, drop = STATEMENTS[schema_editor.connection.vendor]
    for sql in drop:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
