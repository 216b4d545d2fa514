"""The append-only triggers, for code that must drop and restore them.

Only tests do: to show what ``verify_decisions`` detects once someone with
database rights has dropped them, and to let the test runner flush a SQLite
test database between transactional tests.
"""

import importlib

from django.db import connection

_migration = importlib.import_module("decisions.migrations.0002_append_only_triggers")


def drop() -> None:
    _create, drop_sql = _migration.STATEMENTS[connection.vendor]
    with connection.cursor() as cursor:
        for sql in drop_sql:
            cursor.execute(sql)


def create() -> None:
    create_sql, _drop = _migration.STATEMENTS[connection.vendor]
    with connection.cursor() as cursor:
        for sql in create_sql:
            cursor.execute(sql)
