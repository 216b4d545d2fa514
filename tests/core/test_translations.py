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
