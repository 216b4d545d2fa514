#!/usr/bin/env python
"""Django's command-line utility for Cercle."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A bad environment variable: one line that names it, no traceback.
        sys.exit(f"Configuration error: {exc}")


if __name__ == "__main__":
    main()
