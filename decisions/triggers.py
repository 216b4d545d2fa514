"""The append-only triggers, for code that must drop and restore them.

Only tests do: to show what ``verify_decisions`` detects once someone with
database rights has dropped them, and to let the test runner flush a test
database between transactional tests (SQLite flushes with DELETE, PostgreSQL
with TRUNCATE; the triggers refuse both).
"""

import importlib

from django.db import connection

_MIGRATIONS = [
    importlib.import_module("decisions.migrations.0002_append_only_triggers"),
    importlib.import_module("decisions.migrations.0007_refuse_truncate"),
]


def drop() -> None:
    with connection.cursor() as cursor:
        # The truncate triggers share 0002's function: drop them first.
        for migration in reversed(_MIGRATIONS):
            _create, drop_sql = migration.STATEMENTS[connection.vendor]
            for sql in drop_sql:
                cursor.execute(sql)


def create() -> None:
    with connection.cursor() as cursor:
        for migration in _MIGRATIONS:
            create_sql, _drop = migration.STATEMENTS[connection.vendor]
            for sql in create_sql:
                cursor.execute(sql)
