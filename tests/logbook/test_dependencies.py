"""The import rules of the log split (docs/ARCHITECTURE.md), read from the source: the
log core imports only ``core``; the log pages import only what sits to their
left; nothing imports the log pages but the URL and API assembly; no app
imports ``config``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ["config", "core", "accounts", "circles", "decisions", "proposals", "elections"]
PROJECT += ["realtime", "logbook", "notifications"]


def _imports(app: str) -> dict[str, set[str]]:
    """Every project module each file of ``app`` imports (absolute names)."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
        project = {n for n in names if n.split(".")[0] in PROJECT}
        found[str(path.relative_to(ROOT))] = project
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_log_core_imports_only_core():
    for path, names in _imports("decisions").items():
        assert {_top(n) for n in names} <= {"core", "decisions"}, path


def _logbook_may_import(name: str) -> bool:
    if _top(name) in ("core", "accounts", "decisions", "logbook"):
        return True
    return name == "circles.selectors" or name.startswith("circles.selectors.")


def test_the_log_pages_import_core_accounts_the_log_core_and_circles_selectors():
    for path, names in _imports("logbook").items():
        refused = {n for n in names if not _logbook_may_import(n)}
        assert not refused, path


def test_nothing_imports_the_log_pages_but_the_url_and_api_assembly():
    for app in PROJECT:
        if app == "logbook":
            continue
        for path, names in _imports(app).items():
            if path in ("config/urls.py", "config/api.py"):
                continue
            assert not {n for n in names if _top(n) == "logbook"}, path


def test_no_app_imports_config():
    for app in PROJECT:
        if app == "config":
            continue
        for path, names in _imports(app).items():
            assert not {n for n in names if _top(n) == "config"}, path


def test_nothing_imports_the_notifications_app_but_the_url_and_api_assembly():
    """The engines announce through ``core.notify``; they never import the app."""
    for app in PROJECT:
        if app == "notifications":
            continue
        for path, names in _imports(app).items():
            if path in ("config/urls.py", "config/api.py", "config/settings.py"):
                continue
            assert not {n for n in names if _top(n) == "notifications"}, path
