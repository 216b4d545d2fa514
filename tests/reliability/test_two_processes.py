"""Two ASGI server processes share PostgreSQL and Redis: a participant whose
socket is on one of them sees, live, an action taken through the other.

Each process has its own in-process state (sockets, layer connections); only
the database and the Redis channel layer are shared, which is what several
uvicorn workers or hosts behind a proxy rely on (docs/DEPLOY.md).
"""

import asyncio
import time
import uuid

import pytest
import websockets
from django.db import connection

from realtime import services
from realtime.models import Meeting
from tests.reliability.servers import (
    Server,
    database_url,
    post_timer,
    server_env,
    session_for,
    start_all,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

RECEIVE_TIMEOUT = 5


@pytest.fixture
def two_servers(room_setup, tmp_path):
    """Two uvicorn processes on two ports, same test database, same Redis
    layer (a prefix of their own, so no other run's messages meet them)."""
    env = server_env(
        DATABASE_URL=database_url(connection.settings_dict),
        CHANNEL_LAYER_PREFIX=f"cercle-two-{uuid.uuid4().hex[:8]}",
    )
    servers = [
        Server("config.asgi:application", env, tmp_path / f"server-{name}.log") for name in "ab"
    ]
    try:
        start_all(servers)
        yield [server.address for server in servers]
    finally:
        # Stopped before pytest-django flushes the test database.
        for server in servers:
            server.stop()


class TestTwoServerProcesses:
    def test_it_pushes_an_action_taken_on_one_process_to_a_socket_on_the_other(
        self, room_setup, two_servers
    ):
        meeting, fac, ana = room_setup["meeting"], room_setup["fac"], room_setup["ana"]
        services.open_meeting(meeting=meeting, by=fac)
        a, b = two_servers
        ana_session, fac_session = session_for(ana), session_for(fac)
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
                ends = await asyncio.to_thread(post_timer, b, org, meeting.pk, fac_session, 7)
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
        ana_session = session_for(ana)

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
