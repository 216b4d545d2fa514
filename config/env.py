"""Small helpers that read the environment and fail loudly on a bad value.

Every error names the variable, so start-up stops with one clear line
(``manage.py`` and ``config.asgi`` print it without a traceback).
"""

from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """A setting read from the environment is missing or malformed."""


def env_bool(name: str, *, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}.")


def env_int(
    name: str, *, default: int, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number, within ``minimum``..``maximum`` when they are given."""
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}: must be {minimum} or more, got {value}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}: must be {maximum} or less, got {value}.")
    return value


def env_url(name: str, *, default: str) -> str:
    """An http(s) address with a host (``https://cercle.example.org``)."""
    raw = env.str(name, default=default).strip()
    parsed = urlparse(raw)
    try:
        parsed.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(f"{name}: the port of {raw!r} is not a number.") from None
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ConfigError(f"{name}: expected http(s)://host[:port], got {raw!r}.")
    return raw


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = env.str(name, default=None)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def parse_database_url(url: str, *, default_sqlite: Path) -> dict:
    """The DATABASES entry for ``url``; SQLite in ``var/`` when it is empty."""
    if not url:
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{default_sqlite}"
    scheme = urlparse(url).scheme
    if scheme not in _DB_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL: unsupported scheme {scheme!r}; use postgres://user@host:port/name "
            "or sqlite:///path/to/file.sqlite3."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # environ raises several kinds on a malformed URL
        raise ConfigError(f"DATABASE_URL: cannot be read ({exc}).") from None
    if not config.get("NAME"):
        raise ConfigError("DATABASE_URL: names no database.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's SQLite backend, its connections kept for the next request
        # (core/pooled_sqlite3). Its test database is in memory, as Django's
        # default, said outright: pytest-django knows SQLite by Django's
        # engine name only, and would otherwise derive a file name.
        config["ENGINE"] = "core.pooled_sqlite3"
        config["TEST"] = {"NAME": ":memory:"}
        # IMMEDIATE transactions take the write lock at BEGIN, so two writers
        # queue (busy timeout) instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config.setdefault("OPTIONS", {})
        # Fail fast with the database unreachable: a request waits at most
        # DB_CONNECT_TIMEOUT for a new connection and DB_POOL_TIMEOUT for one
        # of the pool, then answers an error, instead of holding a worker.
        config["OPTIONS"].setdefault(
            "connect_timeout", env_int("DB_CONNECT_TIMEOUT", default=2, minimum=1)
        )
        pool_max = env_int("DB_POOL_MAX", default=20, minimum=0)
        if pool_max > 0:
            # A connection pool (psycopg_pool), not CONN_MAX_AGE: under ASGI each
            # request runs in a thread of its own, so per-thread persistent
            # connections pile up until PostgreSQL refuses clients (measured in
            # bench/room_fanout.py), while opening one per request costs
            # milliseconds. The pool bounds and reuses them.
            config["CONN_MAX_AGE"] = 0
            pool_min = env_int("DB_POOL_MIN", default=min(2, pool_max), minimum=0)
            if pool_min > pool_max:
                raise ConfigError(
                    f"DB_POOL_MIN: must not exceed DB_POOL_MAX ({pool_min} > {pool_max})."
                )
            config["OPTIONS"]["pool"] = {
                "min_size": pool_min,
                "max_size": pool_max,
                "timeout": env_int("DB_POOL_TIMEOUT", default=3, minimum=1),
            }
        else:
            config["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=0, minimum=0)
            config["CONN_HEALTH_CHECKS"] = True
    return config


def parse_redis_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            f"REDIS_URL: unsupported scheme {parsed.scheme!r}; use redis://host:port/db."
        )
    if parsed.scheme != "unix" and not parsed.hostname:
        raise ConfigError("REDIS_URL: names no host.")
    try:
        parsed.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError("REDIS_URL: the port is not a number.") from None
