"""The source code of the running version, as the AGPL (section 13) asks.

Anyone who uses Cercle over the network may download the Corresponding Source
of the version they use. By default the server offers its own files, so a
modified deployment offers its modifications without any set-up; an operator
who publishes the source elsewhere sets ``SOURCE_URL`` instead.

What goes into the archive is an allow-list of the project's own folders and
files, never the local settings (``.env``), the database or the virtualenv.
"""

import functools
import io
import tarfile
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ROOT = Path(__file__).resolve().parent.parent

# Everything needed to install, run and change Cercle, and nothing local.
INCLUDED = (
    "LICENSE",
    "README.md",
    "Makefile",
    "manage.py",
    "pyproject.toml",
    ".ci",
    "requirements",
    "config",
    "core",
    "accounts",
    "circles",
    "decisions",
    "logbook",
    "proposals",
    "elections",
    "realtime",
    "templates",
    "static",
    "locale",
    "docs",
    "bench",
    "tests",
)
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".sqlite3"}
ARCHIVE_NAME = "cercle-source.tar.gz"


def _included(path: Path) -> bool:
    if SKIPPED_PARTS.intersection(path.parts) or path.suffix in SKIPPED_SUFFIXES:
        return False
    return not path.name.startswith(".env")


def _files():
    for name in INCLUDED:
        top = ROOT / name
        if top.is_file():
            yield top
        elif top.is_dir():
            yield from (p for p in sorted(top.rglob("*")) if p.is_file() and _included(p))


@functools.cache
def archive() -> bytes:
    """A gzipped tar of the running code, built once per process."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in _files():
            info = tar.gettarinfo(str(path), arcname=f"cercle/{path.relative_to(ROOT)}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    return buffer.getvalue()


def source_url() -> str:
    """Where the footer's "source code" link points."""
    from django.urls import reverse

    return settings.SOURCE_URL or reverse("source")


def source_links(request) -> dict:
    """Context processor: the licence and the source link of every page."""
    return {"source_url": source_url()}


@require_safe
@cache_control(public=True, max_age=3600)
def download(request):
    response = HttpResponse(archive(), content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{ARCHIVE_NAME}"'
    return response
