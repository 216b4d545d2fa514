"""The documents stand on their own and their commands say what they must."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def shell_commands(path: Path) -> list[list[str]]:
    """Every command of the document's ``sh`` blocks, continuation lines joined."""
    text = path.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                commands.append(shlex.split(line, comments=True))
    return commands


def uvicorn_commands(path: Path) -> list[list[str]]:
    return [c for c in shell_commands(path) if any(w.endswith("uvicorn") for w in c[:1])]


@pytest.mark.parametrize("document", ["README.md", "docs/DEPLOY.md"])
def test_the_production_uvicorn_command_trusts_forwarded_headers_from_the_proxy_only(document):
    commands = uvicorn_commands(ROOT / document)
    assert commands, f"{document} shows no uvicorn command"
    for words in commands:
        assert "--proxy-headers" in words
        assert "--forwarded-allow-ips" in words, "uvicorn would trust its default"
        trusted = words[words.index("--forwarded-allow-ips") + 1]
        assert trusted and "*" not in trusted
        # The workers listen only where the trusted proxy reaches them.
        assert words[words.index("--host") + 1] == trusted == "127.0.0.1"
        assert "--ws-max-size" in words
        # An idle room socket: about 51 KiB instead of 163 (docs/PERFORMANCE.md).
        assert words[words.index("--ws") + 1] == "websockets-sansio"
        assert words[words.index("--ws-per-message-deflate") + 1] == "false"


def test_no_document_or_comment_cites_a_design_document_not_in_the_repository():
    cited = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "locale", "var", "staticfiles", "build", ".git"}:
            continue
        if path.suffix not in {".md", ".py", ".html", ".txt", ".toml"} or not path.is_file():
            continue
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"DESIGN(\.md)? ?§|DESIGN\.md|shared/DESIGN", text):
            cited.append(str(path.relative_to(ROOT)))
    assert cited == []


def test_the_readme_names_every_document_of_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for document in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{document.name}" in readme, document.name
