"""docs/VERIFY.md's standalone verifier, run as a reader would run it: the
snippet taken from the doc, in a separate Python with nothing but the standard
library, on a real export of the app; every tampered copy fails."""

import copy
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from decisions.models import LogHead

from .conftest import record, seq

DOC = Path(__file__).resolve().parents[2] / "docs" / "VERIFY.md"


def _snippet() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## A standalone verifier", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "docs/VERIFY.md has no python block under 'A standalone verifier'"
    return match.group(1)


def _run(tmp_path, document) -> subprocess.CompletedProcess:
    script = tmp_path / "verify_log.py"
    script.write_text(_snippet(), encoding="utf-8")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    # -I: isolated (no project on the path, no user site), so only the standard library.
    return subprocess.run(
        [sys.executable, "-I", str(script), str(export)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def export(client, alice, org, circles, log):
    """The app's JSON export of a log with a correction whose text holds
    quotes, a tab, a newline, accents and an emoji."""
    record(
        org,
        kind="policy",
        circle=circles["garden"],
        title="Règle « corrigée » 🌱",
        body='Ligne 1\tavec "guillemets" et \\ barre\nLigne 2 — été',
        record={"action": "corrected", "by": {"id": alice.pk, "name": alice.name}, "n": [1, 2.5]},
        supersedes=log["policy"],
    )
    client.force_login(alice)
    response = client.get("/o/acme/log/export.json")
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def test_the_snippet_is_about_ten_lines_of_standard_library():
    lines = [line for line in _snippet().splitlines() if line.strip()]
    assert len(lines) <= 16
    imports = {m for line in lines for m in re.findall(r"^import (.+)$", line)}
    assert imports == {"hashlib, json, sys"}
    assert "from " not in _snippet()


def test_it_accepts_the_apps_export(tmp_path, export, org):
    result = _run(tmp_path, export)
    assert result.returncode == 0, result.stderr
    head = LogHead.objects.get(organization=org)
    assert result.stdout.strip() == f"OK: {head.sequence} entries, head {head.hash}"
    assert len(export["entries"]) == head.sequence == seq(6)


def test_the_doc_states_the_genesis_and_the_formula(export):
    """The algorithm in prose matches the export: first prev_hash is 64 zeros,
    hash = sha256(prev_hash + canonical content)."""
    first = export["entries"][0]
    assert first["prev_hash"] == "0" * 64
    text = DOC.read_text(encoding="utf-8")
    keys = re.findall(r"^\| `(\w+)` \|", text.split("## What an entry's hash covers")[1], re.M)
    content = {k: first[k] for k in keys}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256((first["prev_hash"] + canonical).encode()).hexdigest() == first["hash"]


def _edit_title(doc):
    doc["entries"][1]["title"] += "!"


def _edit_nested_record(doc):
    doc["entries"][seq(1) - 1]["record"]["objections"][0]["reason"] = "Rien"  # the policy


def _edit_and_rehash(doc):
    """A forger who recomputes the edited entry's own hash breaks the next link."""
    e = doc["entries"][2]
    e["body"] = "autre chose"
    keys = ["organization", "sequence", "circle", "kind", "title", "body", "record"]
    keys += ["decided_at", "review_date", "term_end", "supersedes"]
    canonical = json.dumps(
        {k: e[k] for k in keys}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    e["hash"] = hashlib.sha256((e["prev_hash"] + canonical).encode()).hexdigest()


def _drop_middle(doc):
    del doc["entries"][2]


def _swap(doc):
    entries = doc["entries"]
    entries[1], entries[2] = entries[2], entries[1]


def _cut_tail(doc):
    del doc["entries"][-1]


def _edit_date(doc):
    doc["entries"][3]["decided_at"] = doc["entries"][3]["decided_at"].replace(":", ";", 1)


def _edit_head(doc):
    doc["head"]["hash"] = "f" * 64


@pytest.mark.parametrize(
    "tamper",
    [
        _edit_title,
        _edit_nested_record,
        _edit_and_rehash,
        _drop_middle,
        _swap,
        _cut_tail,
        _edit_date,
        _edit_head,
    ],
)
def test_it_refuses_a_tampered_copy(tmp_path, export, tamper):
    doc = copy.deepcopy(export)
    tamper(doc)
    result = _run(tmp_path, doc)
    assert result.returncode == 1
    assert "OK" not in result.stdout
    assert result.stderr.strip()
