"""Two ASGI server processes share PostgreSQL and Redis: a participant whose
socket is on one of them sees, live, an action taken through the other.

Each process has its own in-process state (sockets, layer connections); only
the database and the Redis channel layer are shared, which is what several
uvicorn workers or hosts behind a proxy rely on (docs/DEPLOY.md).
"""

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import websockets
from django.db import connection
from django.test import Client

from realtime import services
from realtime.models import Meeting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30
RECEIVE_TIMEOUT = 5


def _database_url(db: dict) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{quote(db['NAME'])}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(room_setup, tmp_path):
    """Two uvicorn processes on two ports, same test database, same Redis
    layer (a prefix of their own, so no other run's messages meet them)."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CHANNEL_LAYER_PREFIX": f"cercle-two-{uuid.uuid4().hex[:8]}",
        "CERCLE_ENV_FILE": "",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    servers = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log_path = tmp_path / f"server-{name}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
                        *("--host", "127.0.0.1", "--port", str(port)),
                        *("--lifespan", "off", "--no-access-log", "--ws-max-size", "65536"),
                        # The WebSocket protocol of docs/DEPLOY.md's command.
                        *("--ws", "websockets-sansio", "--ws-per-message-deflate", "false"),
                    ],
                    cwd=ROOT,
                    env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            servers.append((process, f"127.0.0.1:{port}", log_path))
        deadline = time.monotonic() + START_TIMEOUT
        for process, address, log_path in servers:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server {address} exited:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://{address}/", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server {address} did not answer:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
        yield [address for _process, address, _log in servers]
    finally:
        # Stopped before pytest-django flushes the test database.
        for process, _address, _log in servers:
            process.terminate()
        for process, _address, _log in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _post_timer(address: str, org: str, meeting_id: int, session: str, minutes: int) -> str:
    """The facilitator sets the timer through ``address``, as htmx would: CSRF
    cookie from the room page, token in X-CSRFToken, Origin of that server.
    Returns the timer's ``data-ends`` from the response (the change's marker)."""
    base = f"http://{address}"
    request = urllib.request.Request(
        f"{base}/o/{org}/meetings/{meeting_id}/room/", headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    csrf = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    request = urllib.request.Request(
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
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        body = response.read().decode()
    return re.search(r'id="room-timer"[^>]*data-ends="([^"]+)"', body, re.S).group(1)


class TestTwoServerProcesses:
    def test_it_pushes_an_action_taken_on_one_process_to_a_socket_on_the_other(
        self, room_setup, two_servers
    ):
        meeting, fac, ana = room_setup["meeting"], room_setup["fac"], room_setup["ana"]
        services.open_meeting(meeting=meeting, by=fac)
        a, b = two_servers
        ana_session, fac_session = _session(ana), _session(fac)
        # Read here: the ORM is not used from the thread that posts.
        org = meeting.circle.organization.slug

        async def scenario():
            async with websockets.connect(
                f"ws://{a}/ws/meetings/{meeting.pk}/",
                origin=f"http://{a}",
                additional_headers={"Cookie": f"sessionid={ana_session}"},
                open_timeout=5,
            ) as ws:
                first = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
                assert 'id="room-timer"' in first
                ends = await asyncio.to_thread(_post_timer, b, org, meeting.pk, fac_session, 7)
                deadline = time.monotonic() + RECEIVE_TIMEOUT
                while time.monotonic() < deadline:
                    html = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                    if f'data-ends="{ends}"' in html:
                        return ends
                pytest.fail("the change made through process B never reached the socket on A")

        asyncio.run(scenario())
        assert Meeting.objects.get(pk=meeting.pk).timer_ends is not None

    def test_a_change_whose_process_never_published_it_reaches_a_socket_on_another(
        self, room_setup, two_servers
    ):
        """This test process commits a change and never broadcasts it, as a
        worker killed between commit and publish: the server holding the
        socket finds it behind the room's version and sends the room."""
        from unittest import mock

        from django.utils.timezone import localtime

        from realtime import broadcast

        meeting, fac, ana = room_setup["meeting"], room_setup["fac"], room_setup["ana"]
        services.open_meeting(meeting=meeting, by=fac)
        a, _b = two_servers
        ana_session = _session(ana)

        def silent_change():
            try:
                with mock.patch.object(broadcast, "broadcast_meeting") as never_published:
                    services.set_timer(meeting=meeting, seconds=420, by=fac)
                assert never_published.called
                return localtime(Meeting.objects.get(pk=meeting.pk).timer_ends).isoformat()[:19]
            finally:
                connection.close()  # this thread's own connection, before the database goes

        async def scenario():
            async with websockets.connect(
                f"ws://{a}/ws/meetings/{meeting.pk}/",
                origin=f"http://{a}",
                additional_headers={"Cookie": f"sessionid={ana_session}"},
                open_timeout=5,
            ) as ws:
                first = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
                assert 'id="room-timer"' in first
                ends = await asyncio.to_thread(silent_change)
                deadline = time.monotonic() + 10  # two checks of the watch, and a loaded machine
                while time.monotonic() < deadline:
                    html = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                    if ends in html:
                        assert 'id="room-agenda"' in html  # the whole room, from the database
                        return
                pytest.fail("the change that was never published never reached the socket")

        asyncio.run(scenario())
