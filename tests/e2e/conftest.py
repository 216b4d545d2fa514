"""Browser tests: the real ASGI application in a server process, driven by Chromium.

What this gives a test (mark it ``@pytest.mark.browser`` and
``@pytest.mark.django_db(transaction=True)`` so its rows are committed and the
server process sees them):

- ``live_url``: the base URL of ``config.asgi:application`` (through
  ``tests/e2e/asgi.py``) served by uvicorn on a
  free 127.0.0.1 port, in its own process, against the test database (one
  server for the session);
- ``browser``: a Chromium (the system one, ``/usr/bin/chromium``) for this test;
- ``page``: a page in a fresh browser context whose ``base_url`` is ``live_url``
  (``page.goto("/")`` works); ``new_page()`` opens more, each with its own
  cookies, to act as several members of one meeting;
- ``log_in(page, email, password)``: logs in through the real login form;
- ``orm(fn, *args)``: runs ``fn`` where the Django ORM may be used (see below);
- ``story``: the shared personas' Ops (Fay facilitates; Ana, Bo, Cy come), a proposal,
  a selection and a meeting with both on its agenda, shared by the room tests.

Playwright's sync API marks the thread as running an asyncio loop between its
calls, so Django refuses sync ORM calls there (SynchronousOnlyOperation).
Create rows in fixtures listed *before* ``page``/``browser`` in the test's
arguments, and wrap later reads in ``orm(...)``, which runs them in a short-lived
thread with its own connection. The browser stops before the database is
flushed, so teardown is unaffected.

The database: the server is another process, so pytest-django's in-memory
SQLite test database cannot be shared. When this folder is collected, the
SQLite test database becomes a file in the temporary folder (named after this
process, so parallel runs do not meet); PostgreSQL's test database is reachable
by name anyway. The server gets ``DATABASE_URL`` pointing at it, plus the rest
of the test environment (``REDIS_URL`` included, so on the second CI pass the
server and the tests share the Redis channel layer).

Without ``/usr/bin/chromium`` these tests skip, or fail when REQUIRE_SERVICES=1.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SERVER_START_TIMEOUT = 60

_default_db = settings.DATABASES["default"]
if _default_db["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the server process must open the same database.
    _default_db.setdefault("TEST", {})["NAME"] = str(
        Path(tempfile.gettempdir()) / f"cercle-e2e-{os.getpid()}.sqlite3"
    )


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def _database_url(db: dict) -> str:
    """A DATABASE_URL for the (test) database the test process uses now."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{quote(db['NAME'])}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(django_db_setup, tmp_path_factory) -> Iterator[str]:
    """The URL of the ASGI application served by uvicorn against the test database."""
    from django.db import connection

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CERCLE_ENV_FILE": "",  # never the developer's .env
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": url,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path_factory.mktemp("live-server") / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.e2e.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--no-access-log",
                # The WebSocket protocol of docs/DEPLOY.md's command.
                "--ws",
                "websockets-sansio",
                "--ws-per-message-deflate",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"the live server exited:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the live server did not answer:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        # Stopped before pytest-django drops the test database (it depends on it).
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser(live_url):
    """A Chromium for one test (see the module docstring for the ORM caveat)."""
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"needs {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, live_url) -> Callable:
    """Open a page in a new browser context (its own cookies: another person).

    Keyword arguments go to ``browser.new_context`` (``viewport``, ``locale``…).
    Console errors and CSP violations are collected in ``page.console_errors``.
    """

    def make(**options):
        options.setdefault("base_url", live_url)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    return make


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def log_in(live_url) -> Callable:
    """Log a person in through the login form; lands on the home page."""

    def do(page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_url}/")

    return do


@pytest.fixture
def orm() -> Callable:
    """Run ``fn(*args, **kwargs)`` with the Django ORM usable; returns its result."""
    from django.db import connections

    def run(fn, *args, **kwargs):
        outcome: dict = {}

        def target():
            try:
                outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # handed back to the test
                outcome["error"] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    return run


@pytest.fixture
def story(world):
    """The shared personas' Ops (tests/personas.py; Fay facilitates; Ana, Bo
    and Cy are the members who come to its meeting), a proposal drafted by
    Ana, a selection for the circle's treasurer, and a meeting with both on
    its agenda. Made here, before the browsers start."""
    from datetime import timedelta

    from django.utils import timezone

    from circles import services as circle_services
    from elections import services as election_services
    from proposals import services as proposal_services
    from realtime import services as meeting_services

    admin, circle = world.admin, world.ops
    people = {"ana": world.ana, "bo": world.bo, "cy": world.cy, "fay": world.facilitator}
    proposal = proposal_services.create_proposal(
        circle=circle,
        by=people["ana"],
        title="Watering rota",
        body="Each member waters the garden one week in four.",
    )
    role = circle_services.create_role(
        circle=circle, name="Treasurer", by=admin, accountabilities=["Keeps the accounts"]
    )
    election = election_services.open_election(role=role, by=people["fay"])
    meeting = meeting_services.schedule_meeting(
        circle=circle,
        title="Ops meeting",
        scheduled_start=timezone.now() + timedelta(minutes=5),
        facilitator=people["fay"],
        by=people["fay"],
    )
    meeting_services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fay"])
    meeting_services.add_item(meeting=meeting, kind="election", election=election, by=people["fay"])
    return {
        "room": meeting.room_url(),
        "people": people,
        "admin": admin,
        "world": world,
        "org": world.org,
        "circle": circle,
        "proposal": proposal,
        "election": election,
        "meeting": meeting,
    }
