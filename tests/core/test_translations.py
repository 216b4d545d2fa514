"""The French catalogue is whole: every entry translated, none fuzzy, and the
compiled catalogue is the one of the sources (a stale .mo shows old text)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        body = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(re.findall(r'"(.*)"', body.split("msgstr")[0]))
        strs = re.split(r"^msgstr(?:\[\d+\])? ", body, flags=re.M)[1:]
        yield msgid, flags, ["".join(re.findall(r'"(.*)"', s)) for s in strs]


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    fuzzy, empty = [], []
    for msgid, flags, msgstrs in _entries(PO.read_text(encoding="utf-8")):
        if not msgid:
            continue  # the header
        if "fuzzy" in flags:
            fuzzy.append(msgid)
        if any(not s for s in msgstrs):
            empty.append(msgid)
    assert not fuzzy, f"fuzzy (a guess, often wrong): {fuzzy[:10]}"
    assert not empty, f"untranslated: {empty[:10]}"


def _unescape(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape")


def test_the_compiled_catalogue_matches_its_source():
    """``compilemessages`` was run after the last change of the .po."""
    import gettext

    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    text = PO.read_text(encoding="utf-8")
    stale = []
    for block in text.split("\n\n"):
        if "msgctxt" in block or "msgid_plural" in block or block.startswith("#~"):
            continue
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        body = "\n".join(lines)
        if "msgstr" not in body:
            continue
        head, tail = body.split("msgstr", 1)
        msgid = _unescape("".join(re.findall(r'"(.*)"', head)))
        msgstr = _unescape("".join(re.findall(r'"(.*)"', tail)))
        if msgid and compiled.gettext(msgid) != msgstr:
            stale.append(msgid)
    assert not stale, f"run compilemessages: {stale[:5]}"


# What `make messages` reads (the Makefile's makemessages line).
EXTENSIONS = "html,txt,py,svg"
NOT_SOURCES = (".venv", ".git", "var", "staticfiles", "bench", "tests", "__pycache__", "*.egg-info")


def test_every_translatable_text_of_the_sources_is_in_the_catalogue(tmp_path):
    """A text wrapped in gettext but never extracted is shown in English to
    French readers, and the two tests above cannot see it: here the catalogue
    is extracted again from a copy of the sources (``makemessages``, which
    needs GNU gettext's xgettext) and every text it finds must be in the
    committed catalogue, translated."""
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("xgettext") is None:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("xgettext (GNU gettext) is needed: .ci/run installs it")
        pytest.skip("needs xgettext (GNU gettext)")
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-location",
            "-e",
            EXTENSIONS,
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    committed = {msgid: strs for msgid, _flags, strs in _entries(PO.read_text(encoding="utf-8"))}
    extracted = {
        msgid
        for msgid, _flags, _strs in _entries(
            (copy / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        )
        if msgid
    }
    missing = sorted(m for m in extracted if not any(committed.get(m, [""])))
    assert not missing, f"not in the French catalogue (run make messages): {missing[:10]}"
