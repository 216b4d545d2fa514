"""Search of the log, accent- and case-insensitive, over titles, bodies and
the process record's text (objections, concerns, reasons…) on both backends.

SQLite: an FTS5 table ``logbook_search`` (tokenizer ``unicode61
remove_diacritics 2``: "tournee" and "TOURNÉE" find "Tournée"), one row per
decision (rowid = the decision's id) with its title, body and the strings of
its record. A trigger fills it at each insert into the log (the log is
append-only, so nothing else ever changes it); a delete (only the test
runner's flush, with the append-only triggers dropped) removes the row.

PostgreSQL: text search configurations ``cercle_french`` and
``cercle_english`` copy the built-in ones and pass each word through
``unaccent`` before stemming, when the extension can be had (else they are
plain copies: the search still works, only accent-sensitive). The stored
vectors of ``decisions`` 0004 (``search_fr``, ``search_en``: title, body and
every string of the record) are generated again with them. ALTER TABLE
rewrites the table without firing the append-only row triggers.
"""

from django.db import migrations, transaction

TABLE = "decisions_decision"

# SQLite ------------------------------------------------------------------

_RECORD_TEXT = (
    "(SELECT group_concat(value, ' ') FROM json_tree(coalesce({record}, '{{}}')) "
    "WHERE type = 'text')"
)
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS logbook_search USING fts5("
    "title, body, record_text, tokenize = 'unicode61 remove_diacritics 2');",
    f"""CREATE TRIGGER IF NOT EXISTS logbook_search_insert AFTER INSERT ON {TABLE}
    BEGIN
        INSERT OR REPLACE INTO logbook_search(rowid, title, body, record_text)
        VALUES (NEW.id, NEW.title, NEW.body, {_RECORD_TEXT.format(record="NEW.record")});
    END;""",
    f"""CREATE TRIGGER IF NOT EXISTS logbook_search_delete AFTER DELETE ON {TABLE}
    BEGIN
        DELETE FROM logbook_search WHERE rowid = OLD.id;
    END;""",
    "DELETE FROM logbook_search;",
    f"""INSERT INTO logbook_search(rowid, title, body, record_text)
    SELECT d.id, d.title, d.body, {_RECORD_TEXT.format(record="d.record")} FROM {TABLE} d;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS logbook_search_insert;",
    "DROP TRIGGER IF EXISTS logbook_search_delete;",
    "DROP TABLE IF EXISTS logbook_search;",
]

# PostgreSQL ----------------------------------------------------------------

CONFIGS = {"fr": ("french", "cercle_french"), "en": ("english", "cercle_english")}


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(body, '')), 'B') || "
        f"setweight(jsonb_to_tsvector('{config}'::regconfig, record, '[\"string\"]'), 'C')"
    )


def _columns(schema_editor, which: int) -> None:
    for suffix, configs in CONFIGS.items():
        config = configs[which]
        schema_editor.execute(f"DROP INDEX IF EXISTS decision_search_{suffix};")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_{suffix};")
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN search_{suffix} tsvector "
            f"GENERATED ALWAYS AS ({_vector(config)}) STORED;"
        )
        schema_editor.execute(
            f"CREATE INDEX decision_search_{suffix} ON {TABLE} USING gin (search_{suffix});"
        )


def _has_unaccent(schema_editor) -> bool:
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent;")
    except Exception:  # noqa: BLE001 - no extension or no right to create it
        return False
    return True


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)
        return
    if vendor != "postgresql":
        return
    unaccent = _has_unaccent(schema_editor)
    for builtin, custom in CONFIGS.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {custom};")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {custom} (COPY = {builtin});")
        if unaccent:
            schema_editor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {custom} "
                f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {builtin}_stem;"
            )
    _columns(schema_editor, 1)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)
        return
    if vendor != "postgresql":
        return
    _columns(schema_editor, 0)
    for _builtin, custom in CONFIGS.values():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {custom};")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0004_search_vectors"),
        ("logbook", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
