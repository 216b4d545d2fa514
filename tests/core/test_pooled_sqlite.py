"""core.pooled_sqlite3: a closed SQLite connection is kept for the next one,
never with a transaction open, never for another file (issue 12)."""

import os
import threading

import pytest
from django.db.utils import ConnectionHandler

from config.env import parse_database_url
from core import pooled_sqlite3
from core.pooled_sqlite3 import base as pool


@pytest.fixture
def db_file(tmp_path, django_db_blocker):
    """A database file of its own, outside the test database."""
    django_db_blocker.unblock()
    name = str(tmp_path / "pool.sqlite3")
    settings = parse_database_url(f"sqlite:///{name}", default_sqlite=tmp_path / "unused")
    handler = ConnectionHandler({"default": settings})
    connection = handler["default"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a INTEGER)")
    yield name, handler
    handler.close_all()
    for conn, _identity in pool._idle.pop((os.getpid(), name), []):
        conn.close()
    django_db_blocker.restore()


def _raw(connection):
    connection.ensure_connection()
    return connection.connection


def _idle(name):
    return len(pool._idle.get((os.getpid(), name), []))


def test_the_site_uses_it_for_sqlite(tmp_path):
    settings = parse_database_url(f"sqlite:///{tmp_path}/x.sqlite3", default_sqlite=tmp_path / "u")
    assert settings["ENGINE"] == pooled_sqlite3.__name__
    assert settings["ENGINE"].endswith("sqlite3")  # what tests/e2e looks for


def test_a_closed_connection_is_handed_to_the_next_one_in_any_thread(db_file):
    name, handler = db_file
    connection = handler["default"]
    first = _raw(connection)
    connection.close()
    assert connection.connection is None and _idle(name) == 1
    taken = []

    def request():  # another thread, as the next ASGI request
        other = handler["default"]
        taken.append(_raw(other))
        with other.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        other.close()

    worker = threading.Thread(target=request)
    worker.start()
    worker.join()
    assert taken == [first]
    assert _idle(name) == 1
    assert _raw(connection) is first
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (1,)
    assert not first.in_transaction


def test_a_connection_closed_inside_a_transaction_is_not_kept(db_file):
    name, handler = db_file
    connection = handler["default"]
    raw = _raw(connection)
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO t VALUES (2)")
    assert raw.in_transaction
    connection.close()
    assert _idle(name) == 0
    with connection.cursor() as cursor:  # the write was never committed
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (0,)
    assert connection.connection is not raw


def test_a_connection_closed_in_an_atomic_block_is_not_kept(db_file):
    name, handler = db_file
    connection = handler["default"]
    _raw(connection)
    connection.in_atomic_block = True  # as transaction.atomic leaves it
    connection.close()
    connection.in_atomic_block = False
    assert _idle(name) == 0


def test_a_file_created_again_gets_a_new_connection(db_file):
    name, handler = db_file
    connection = handler["default"]
    first = _raw(connection)
    connection.close()
    assert _idle(name) == 1
    os.remove(name)
    with connection.cursor() as cursor:  # a new, empty database
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'")
        assert cursor.fetchone() == (0,)
    assert connection.connection is not first
    assert _idle(name) == 0


def test_at_most_max_idle_are_kept(db_file, monkeypatch):
    name, handler = db_file
    monkeypatch.setattr(pool, "MAX_IDLE", 2)
    held = []
    for _ in range(3):
        other = ConnectionHandler({"default": dict(handler["default"].settings_dict)})["default"]
        _raw(other)
        held.append(other)
    handler["default"].close()
    for other in held:
        other.close()
    assert _idle(name) == 2
