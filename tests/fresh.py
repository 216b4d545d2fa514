"""The project run in a fresh interpreter, as a server process starts, with
the given environment only (``CERCLE_ENV_FILE=""`` keeps a developer's
``.env`` out of it)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, timeout: int = 120, **variables: str) -> subprocess.CompletedProcess:
    """``python *args`` in the project's folder, with ``variables`` as its environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "CERCLE_ENV_FILE": "",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    """``code`` with the project's settings (development ones unless told)."""
    defaults = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    return run("-c", code, timeout=60, **{**defaults, **variables})
