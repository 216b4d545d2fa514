"""SQLite (the embedded default) with its connections kept for the next request.

Django closes its connection at the end of every request, and under ASGI
each request has a thread of its own, so on Django's own SQLite backend every
request opens a new connection: it reads and parses the whole schema before
its first statement (about 1 ms here), and on a WAL database the connection
that closes last checkpoints the log and deletes it, so the next one rebuilds
the shared WAL index (another 0.5 ms of CPU, 1 ms of wall time). Together that
was a fifth of a room action (docs/PERFORMANCE.md, session 6).

This backend is Django's, except that a connection closed outside any
transaction is kept idle in a small per-process pool (``MAX_IDLE``) and
handed to the next request, in whichever thread it runs (Django opens SQLite
connections with ``check_same_thread=False``). A connection closed inside a
transaction, or beyond the pool's size, is closed for real. Nothing of a
request stays on a kept connection: it is in autocommit with no transaction
open, and Django sets its autocommit again when it takes it. A connection is
only reused for the same file (device and inode): a database file removed
and created again (tests, a restore) gets new connections. In-memory
databases are Django's, untouched.
"""

import os
import threading

from django.db.backends.sqlite3 import base

#: Idle connections kept per database file and process.
MAX_IDLE = 8

_lock = threading.Lock()
#: (process id, file name) -> [(connection, (st_dev, st_ino)), ...]
_idle: dict[tuple[int, str], list] = {}


def _identity(name: str):
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


class DatabaseWrapper(base.DatabaseWrapper):
    def _pooled(self) -> bool:
        return not self.is_in_memory_db()

    def _key(self) -> tuple[int, str]:
        return (os.getpid(), str(self.settings_dict["NAME"]))

    def get_new_connection(self, conn_params):
        if self._pooled():
            key = self._key()
            identity = _identity(key[1])
            with _lock:
                idle = _idle.get(key, [])
                while idle:
                    conn, kept_identity = idle.pop()
                    if kept_identity == identity:
                        self._file_identity = identity
                        return conn
                    stale = conn
                    stale.close()
        conn = super().get_new_connection(conn_params)
        self._file_identity = _identity(str(self.settings_dict["NAME"])) if self._pooled() else None
        return conn

    def _close(self):
        conn = self.connection
        if (
            conn is not None
            and self._pooled()
            and not self.in_atomic_block
            and not conn.in_transaction
            and getattr(self, "_file_identity", None) is not None
        ):
            with _lock:
                idle = _idle.setdefault(self._key(), [])
                if len(idle) < MAX_IDLE:
                    idle.append((conn, self._file_identity))
                    return None
        return super()._close()
