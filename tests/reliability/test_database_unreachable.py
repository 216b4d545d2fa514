"""The database unreachable, seen from a real server process.

uvicorn serves the site with ``DATABASE_URL`` pointing to a PostgreSQL that
is not there: a port that accepts TCP and never says a word (a host that
hangs), or a closed port (a server down). Requests that need the database
(a signed-in visitor's page: the session is read there) must fail within the
configured timeouts, each with a 503 page that shows no traceback and asks
to retry, and the log must get one line for them, not a traceback each.

No PostgreSQL is needed: nothing answers, which is the point.
"""

import asyncio
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets

from tests.reliability.servers import Server, free_port, server_env, start_all

CONNECT_TIMEOUT, POOL_TIMEOUT = 2, 3  # the defaults (config/env.py), set explicitly
REQUESTS = 3


@pytest.fixture
def silent_port():
    """A port that completes the TCP handshake (the kernel's backlog) and
    never answers, as a hung database host."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _get(address: str) -> tuple:
    request = urllib.request.Request(
        f"http://{address}/",
        headers={"Cookie": "sessionid=0123456789abcdefghijklmnopqrstuv"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, headers, body.decode(errors="replace"), time.monotonic() - started


def _server(port: int, pool_max: int, log_path) -> Server:
    return Server(
        "config.asgi:application",
        server_env(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/cercle",
            DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
            DB_POOL_TIMEOUT=str(POOL_TIMEOUT),
            DB_POOL_MAX=str(pool_max),
            REDIS_URL="",
            REDIS_URLS="",
        ),
        log_path,
    )


def _one_line(server: Server, what: str) -> None:
    log = server.log()
    assert "Traceback" not in log, log[-3000:]
    lines = [line for line in log.splitlines() if "database unavailable" in line]
    assert len(lines) == 1, log[-3000:]
    assert what in lines[0]


@pytest.mark.parametrize(
    ("database", "pool_max"),
    [("silent", 20), ("closed", 20), ("silent", 0), ("closed", 0)],
    ids=["silent-pool", "closed-pool", "silent-no-pool", "closed-no-pool"],
)
def test_requests_fail_fast_with_a_clean_503_and_one_log_line(
    database, pool_max, silent_port, tmp_path
):
    port = silent_port if database == "silent" else free_port()  # nothing listens there
    server = _server(port, pool_max, tmp_path / "server.log")
    try:
        start_all([server], path=None)  # a request would already reach the database
        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(pool.map(_get, [server.address] * REQUESTS))
        time.sleep(0.5)  # the log lines, if any more were coming
    finally:
        server.stop()

    bound = max(CONNECT_TIMEOUT, POOL_TIMEOUT if pool_max else 0) + 3
    for status, headers, body, elapsed in answers:
        assert status == 503
        assert headers.get("Retry-After") == "5"
        assert elapsed < bound, (elapsed, bound)
        assert "Cercle" in body and "<html" in body
        assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body
    _one_line(server, "GET / answered 503")


def test_room_sockets_are_refused_without_a_traceback(silent_port, tmp_path):
    """Every browser in a room reconnects every few seconds: each refusal
    used to print a traceback of a hundred lines. The first socket waits the
    pool's timeout; the next ones, for a few seconds, are refused at once
    (core.dbdown.REFUSE_FOR), so handshakes do not queue on the one thread
    Channels gives the sockets' database calls."""
    server = _server(silent_port, 20, tmp_path / "server.log")

    async def open_room():
        started = time.monotonic()
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(
                f"ws://{server.address}/ws/meetings/1/",
                origin=f"http://{server.address}",
                additional_headers={"Cookie": "sessionid=0123456789abcdefghijklmnopqrstuv"},
                open_timeout=30,
            )
        return refused.value.response.status_code, time.monotonic() - started

    async def rooms():
        return [await open_room() for _ in range(REQUESTS)]

    try:
        start_all([server], path=None)
        refusals = asyncio.run(rooms())
        time.sleep(0.5)
    finally:
        server.stop()
    (first, waited), *others = refusals
    assert first == 403
    assert waited < POOL_TIMEOUT + 3, waited
    for status, elapsed in others:
        assert status == 403
        assert elapsed < 1.5, elapsed  # not another pool timeout
    _one_line(server, "a room socket was refused")
