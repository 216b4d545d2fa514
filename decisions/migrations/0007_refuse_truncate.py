"""PostgreSQL: refuse TRUNCATE on the decision log and its head.

Row triggers (0002) do not see TRUNCATE, which empties a table in one
statement; a statement trigger does. Truncating the head as well would turn an
emptied log into one that verifies as "0 entries", so the head is covered too.
SQLite has no TRUNCATE (its ``DELETE`` without ``WHERE`` meets the row trigger).
"""

from django.db import migrations

TABLES = ["decisions_decision", "decisions_loghead"]

POSTGRES_CREATE = [
    # The same refusal as 0002, created here too so this migration stands alone.
    """CREATE OR REPLACE FUNCTION decisions_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'decisions are append-only: supersede with a new entry'
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;""",
    *(
        f"""CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION decisions_refuse_change();"""
        for table in TABLES
    ),
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in TABLES]

STATEMENTS = {
    "sqlite": ([], []),
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
    dependencies = [("decisions", "0006_reading_side_to_logbook")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
