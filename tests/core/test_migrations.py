"""The migrations describe the models: a model change without its migration fails here."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        pytest.fail(f"models and migrations differ (exit {exc.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_makemigrations_check_runs_on_a_fresh_checkout(tmp_path):
    """Without .env, DEBUG or SECRET_KEY (a new clone, a CI step), the check
    answers about the migrations, not about the production settings."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    environment["CERCLE_ENV_FILE"] = ""  # no .env either
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    # A server command keeps the production requirements.
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode != 0 and "SECRET_KEY" in deploy.stderr
