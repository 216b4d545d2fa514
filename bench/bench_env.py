"""The environment every bench runs Django in, set before Django reads it.

Imported by the bench scripts (``python bench/<script>.py`` puts this folder
first on the path)."""

import os


def production_settings() -> None:
    """Production mode (DEBUG off, as a served worker runs), a key that is
    no secret (unless one is set), and the test client's host."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["ALLOWED_HOSTS"] = "testserver"
