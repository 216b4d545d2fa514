#!/usr/bin/env python
"""Django's command-line utility for Cercle."""

import os
import sys


def _database_unreachable() -> str | None:
    """Why the default database cannot be reached, or None when it can."""
    from django.db import OperationalError, connections

    try:
        connections["default"].ensure_connection()
    except OperationalError as exc:
        # psycopg's message spans several lines; keep the first one.
        return (str(exc).strip().splitlines() or ["unknown error"])[0]
    return None


# Commands that only read the code (no server, no email, nothing signed): on a
# fresh checkout, without .env or DEBUG, they run with the development
# defaults instead of stopping at the production settings' requirements
# (SECRET_KEY, ALLOWED_HOSTS). An explicit DEBUG=0 still gets its checks, and
# `check --deploy` is never one of them.
OFFLINE_COMMANDS = {
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "check",
    "makemessages",
    "compilemessages",
    "help",
    "version",
}


def _offline(argv: list[str]) -> bool:
    return len(argv) > 1 and argv[1] in OFFLINE_COMMANDS and "--deploy" not in argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if _offline(sys.argv) and "DEBUG" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django
        from django.core.management import execute_from_command_line
        from django.db import OperationalError

        django.setup()
        if sys.argv[1:2] == ["runserver"]:
            # Runserver would only fail later, in its own thread, with a traceback.
            reason = _database_unreachable()
            if reason:
                sys.exit(f"Configuration error: DATABASE_URL: cannot connect ({reason}).")
        try:
            execute_from_command_line(sys.argv)
        except OperationalError:
            # An unreachable database is a configuration error; any other
            # OperationalError (a missing table, say) keeps its traceback.
            reason = _database_unreachable()
            if reason:
                sys.exit(f"Configuration error: DATABASE_URL: cannot connect ({reason}).")
            raise
    except ImproperlyConfigured as exc:
        # A bad environment variable: one line that names it, no traceback.
        sys.exit(f"Configuration error: {exc}")


if __name__ == "__main__":
    main()
