"""Real server processes for the reliability tests: uvicorn serving the site
(or a test-only entry module wrapping it) on a free port, and what a browser
does against them (a session cookie, an htmx POST with its CSRF token)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


def database_url(db: dict) -> str:
    """The DATABASE_URL of a ``connection.settings_dict`` (the test database)."""
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{quote(db['NAME'])}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**extra: str) -> dict:
    """The environment of a production-like server process: DEBUG off, no
    ``.env`` file, warnings only in the log; ``extra`` wins."""
    return {
        **os.environ,
        "CERCLE_ENV_FILE": "",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Server:
    """One uvicorn process serving ``app`` on ``port`` (a free one by
    default), its output in ``log_path``."""

    def __init__(self, app: str, env: dict, log_path: Path, port: int | None = None):
        self.app, self.env, self.log_path = app, env, log_path
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", self.app),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                    *("--lifespan", "off", "--no-access-log", "--ws-max-size", "65536"),
                    # The WebSocket protocol of docs/DEPLOY.md's command.
                    *("--ws", "websockets-sansio", "--ws-per-message-deflate", "false"),
                ],
                cwd=ROOT,
                env={**self.env, "SITE_URL": f"http://{self.address}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_listening(self, path: str | None = "/", deadline: float | None = None) -> None:
        """Until the server answers ``path`` (any status), or, with no path,
        accepts a connection (a request would reach the database)."""
        deadline = deadline or time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.address} exited:\n{self.log()[-3000:]}")
            try:
                if path is None:
                    socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                    return
                with urllib.request.urlopen(f"http://{self.address}{path}", timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server {self.address} did not answer:\n{self.log()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_all(servers: list[Server], path: str | None = "/") -> list[Server]:
    """Start every server, then wait until each answers (they boot in
    parallel; ``path``: as ``Server.wait_listening``)."""
    for server in servers:
        server.start()
    deadline = time.monotonic() + START_TIMEOUT
    for server in servers:
        server.wait_listening(path, deadline=deadline)
    return servers


def session_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def post_timer(address: str, org: str, meeting_id: int, session: str, minutes: int) -> str:
    """The facilitator sets the timer through ``address``, as htmx would: CSRF
    cookie from the room page, token in X-CSRFToken, Origin of that server.
    Returns the timer's ``data-ends`` from the response (the change's marker)."""
    request = timer_request(address, org, meeting_id, session, minutes)
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.status == 200
        body = r.read().decode()
    return re.search(r'id="room-timer"[^>]*data-ends="([^"]+)"', body, re.S).group(1)


def timer_request(
    address: str, org: str, meeting_id: int, session: str, minutes: int
) -> urllib.request.Request:
    """The htmx POST that sets the timer (after reading the room page for
    its CSRF cookie)."""
    base = f"http://{address}"
    request = urllib.request.Request(
        f"{base}/o/{org}/meetings/{meeting_id}/room/", headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    csrf = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    return urllib.request.Request(
        f"{base}/o/{org}/meetings/{meeting_id}/timer/",
        data=f"minutes={minutes}".encode(),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": base,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
