"""A server process really killed (SIGKILL) between the commit of a change
and its publication, on PostgreSQL and Redis.

Process A is served through tests/reliability/dying_asgi.py, which replaces
the publish step of a change by ``SIGKILL`` of its own process; B is the
site as it is. Sockets are open on both. The facilitator's action goes to A,
commits, and A dies before anything of it is rendered or sent. Then:

- the change is in the database (the row and the room's version);
- every socket on B shows it without a reload: B's watch finds them behind
  the room's version and sends them the whole room from the database;
- A's sockets are cut; reconnecting, to B or to A started again, they get
  the whole current room;
- the presence rows of A's sockets, which nobody removed, are swept by B
  within the heartbeat window, and B's sockets are told who is connected.

Both processes run with short watch intervals and presence expiry
(``CERCLE_TEST_ROOM_TIMES``), the mechanism being the site's own.
"""

import asyncio
import re
import signal
import time
import urllib.error
import urllib.request
import uuid
from http.client import HTTPException

import pytest
import websockets
from django.db import connection
from django.utils.timezone import localtime

from realtime import services
from realtime.models import Connection, Meeting, RoomVersion
from tests.reliability.servers import (
    Server,
    database_url,
    server_env,
    session_for,
    start_all,
    timer_request,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

APP = "tests.reliability.dying_asgi:application"
# The watch's check, the heartbeat, a row's expiry and the sweep, in seconds.
CHECK, HEARTBEAT, STALE, SWEEP = 1.0, 0.5, 3.0, 1.0
RECEIVE_TIMEOUT = 10  # a loaded machine; each wait ends as soon as its message comes


def _db(function, *args, **kwargs):
    """Run ``function`` with this thread's own connection, closed after."""
    try:
        return function(*args, **kwargs)
    finally:
        connection.close()


async def in_db(function, *args, **kwargs):
    return await asyncio.to_thread(_db, function, *args, **kwargs)


async def until(ws, *texts: str, timeout: float = RECEIVE_TIMEOUT) -> str:
    """The first message pushed to ``ws`` that holds every one of ``texts``."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{texts!r} never reached the socket")
        try:
            html = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            continue
        if all(text in html for text in texts):
            return html


def dots(html: str) -> dict[int, bool]:
    """{user id: shown connected} of a presence section."""
    found = re.findall(r'data-user-id="(\d+)">\s*<span class="presence-dot( on)?"', html)
    return {int(user_id): bool(on) for user_id, on in found}


@pytest.fixture
def servers(room_setup, tmp_path):
    env = server_env(
        DATABASE_URL=database_url(connection.settings_dict),
        CHANNEL_LAYER_PREFIX=f"cercle-kill-{uuid.uuid4().hex[:8]}",
        CERCLE_TEST_ROOM_TIMES=f"{CHECK},{HEARTBEAT},{STALE},{SWEEP}",
    )
    a = Server(APP, {**env, "CERCLE_TEST_DIE_AFTER_COMMIT": "1"}, tmp_path / "a.log")
    b = Server(APP, env, tmp_path / "b.log")
    started = [a, b]
    try:
        start_all([a, b])
        yield a, b, lambda server: started.append(server)
    finally:
        for server in started:  # before pytest-django flushes the test database
            server.stop()


def test_a_process_killed_between_commit_and_publish(room_setup, servers):
    a, b, started = servers
    meeting, fac = room_setup["meeting"], room_setup["fac"]
    ana, bo, mia = room_setup["ana"], room_setup["bo"], room_setup["sec"]
    services.open_meeting(meeting=meeting, by=fac)
    for user in (ana, bo, mia):
        services.join(meeting=meeting, user=user)
    sessions = {user.pk: session_for(user) for user in (fac, ana, bo, mia)}
    org = meeting.circle.organization.slug

    def room(server, user):
        return websockets.connect(
            f"ws://{server.address}/ws/meetings/{meeting.pk}/",
            origin=f"http://{server.address}",
            additional_headers={"Cookie": f"sessionid={sessions[user.pk]}"},
            open_timeout=10,
        )

    def rows_of(user_ids):
        return set(
            Connection.objects.filter(meeting=meeting, user_id__in=user_ids).values_list(
                "channel_name", flat=True
            )
        )

    def kill_a_mid_action():
        """The facilitator sets the timer through A: A never answers."""
        request = timer_request(a.address, org, meeting.pk, sessions[fac.pk], 7)
        before = RoomVersion.current([meeting.pk])[meeting.pk]
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                pytest.fail(f"A answered {response.status}: it should have died")
        except (urllib.error.URLError, HTTPException, ConnectionError):
            pass
        return before

    async def scenario():
        on_a = [await room(a, fac), await room(a, bo)]
        on_b = [await room(b, ana), await room(b, mia)]
        try:
            for ws in on_a + on_b:
                await until(ws, 'id="room-agenda"')
            deadline = time.monotonic() + RECEIVE_TIMEOUT
            while len(await in_db(rows_of, [fac.pk, bo.pk, ana.pk, mia.pk])) < 4:
                assert time.monotonic() < deadline, "the sockets' presence rows never appeared"
                await asyncio.sleep(0.1)
            a_rows = await in_db(rows_of, [fac.pk, bo.pk])
            b_rows = await in_db(rows_of, [ana.pk, mia.pk])

            before = await in_db(kill_a_mid_action)
            killed_at = time.monotonic()
            assert a.process.wait(timeout=10) == -signal.SIGKILL

            # Committed: the row and the room's version, one step on.
            stored = await in_db(Meeting.objects.get, pk=meeting.pk)
            assert stored.timer_ends is not None
            assert (await in_db(RoomVersion.current, [meeting.pk]))[meeting.pk] == before + 1
            ends = localtime(stored.timer_ends).isoformat()[:19]

            # A's sockets are cut.
            for ws in on_a:
                with pytest.raises(websockets.ConnectionClosed):
                    while True:  # what was pushed before the kill, then the cut
                        await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)

            # Every socket on B converges, from the database: the whole room
            # (nothing of the change was ever broadcast).
            for html in await asyncio.gather(*(until(ws, ends) for ws in on_b)):
                assert 'id="room-agenda"' in html
            converged = time.monotonic() - killed_at
            assert converged < 2 * CHECK + 5, converged

            # A's presence rows go, B's stay (B's heartbeat keeps them).
            deadline = killed_at + STALE + SWEEP + CHECK + 8
            while await in_db(rows_of, [fac.pk, bo.pk]) & a_rows:
                assert time.monotonic() < deadline, "A's presence rows were never swept"
                await asyncio.sleep(0.2)
            swept = time.monotonic() - killed_at
            assert await in_db(rows_of, [ana.pk, mia.pk]) == b_rows
            # B's sockets are told: Bo and Fay are in the room, with no device now.
            for ws in on_b:
                shown = dots(await until(ws, 'id="room-presence"', f'data-user-id="{bo.pk}"'))
                while shown.get(bo.pk) or shown.get(fac.pk):
                    shown = dots(await until(ws, 'id="room-presence"'))
                assert shown[ana.pk] and shown[mia.pk]

            # A's people reconnect: Bo to B, Fay to A started again; each
            # gets the whole current room at once.
            restarted = Server(
                APP, {**a.env, "CERCLE_TEST_DIE_AFTER_COMMIT": "0"}, a.log_path, a.port
            )
            started(restarted)
            await asyncio.to_thread(start_all, [restarted])
            for server, user in ((b, bo), (restarted, fac)):
                async with await room(server, user) as ws:
                    first = await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)
                    assert ends in first and 'id="room-agenda"' in first
            return converged, swept
        finally:
            for ws in on_a + on_b:
                await ws.close()

    converged, swept = asyncio.run(scenario())
    assert "Traceback" not in b.log()
    print(f"converged {converged:.1f} s after the kill, rows swept after {swept:.1f} s")
