"""The room converges through a real Redis that stops, hangs and comes back.

A private ``redis-server`` on a free port (never the shared one) carries the
room's channel layer, as configured (the pub/sub layer). It is killed,
paused (SIGSTOP: connections stay open and nothing answers, a hung Redis)
and started again while two sockets watch a meeting; each socket must end
up showing every committed change without a reload, and every action must
commit and answer quickly meanwhile.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.test import Client, override_settings
from django.utils.timezone import localtime

from realtime import broadcast, consumers, services
from realtime.models import Connection, Meeting
from tests.reliability.servers import free_port
from tests.reliability.test_delivery import connect, drain, until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port, self.dir, self.process = free_port(), tmp_path, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@contextmanager
def channel_layer_at(url: str):
    """The pub/sub layer (the project's default) on ``url``, with the
    project's connect and socket timeouts."""
    from django.conf import settings

    host = {
        "address": url,
        "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
    }
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": f"cercle-private-{os.getpid()}"},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends = {}
        try:
            yield
        finally:
            channel_layers.backends = {}


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    monkeypatch.setattr(consumers, "CHECK_INTERVAL", 0.3)
    monkeypatch.setattr(broadcast, "SEND_TIMEOUT", 0.5)
    monkeypatch.setattr(consumers, "LAYER_TIMEOUT", 0.5)
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with channel_layer_at(f"redis://127.0.0.1:{redis.port}/0"):
            yield redis
    finally:
        redis.kill()


@contextmanager
def quick(limit: float):
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < limit, f"took {elapsed:.2f} s"


def _timer_over_http(user, meeting, minutes) -> int:
    client = Client()
    client.force_login(user)
    url = f"/o/{meeting.circle.organization.slug}/meetings/{meeting.pk}/timer/"
    return client.post(url, {"minutes": minutes}, HTTP_HX_REQUEST="true").status_code


class TestThroughARealRedis:
    async def test_sockets_converge_after_redis_stops_and_comes_back(
        self, room_setup, cookie_for, private_redis
    ):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ana = await connect(room_setup, cookie_for, "ana")
        bo = await connect(room_setup, cookie_for, "bo")
        await drain(ana)
        await drain(bo)

        private_redis.kill()
        with quick(2.0):  # a loaded machine; a held request took 10 s
            await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        for ws in (ana, bo):
            await until(ws, 'data-state="open"', timeout=8)
        # A socket that closes now takes its presence row with it.
        await bo.disconnect()
        assert not await database_sync_to_async(
            Connection.objects.filter(user=room_setup["bo"]).exists
        )()

        private_redis.start()
        await asyncio.sleep(1)
        status = await database_sync_to_async(_timer_over_http)(fac, meeting, 9)
        assert status == 200
        html = await until(ana, 'id="room-timer"', timeout=8)
        assert 'data-ends="2' in html
        await ana.disconnect()

    async def test_a_hung_redis_holds_no_action_and_the_room_still_converges(
        self, room_setup, cookie_for, private_redis
    ):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        ana = await connect(room_setup, cookie_for, "ana")
        await drain(ana)

        private_redis.pause()
        try:
            for minutes in (3, 4, 5):
                with quick(2.0):  # a loaded machine; a held request took 10 s
                    status = await database_sync_to_async(_timer_over_http)(fac, meeting, minutes)
                assert status == 200
            ends = (await database_sync_to_async(Meeting.objects.get)(pk=meeting.pk)).timer_ends
            html = await until(ana, localtime(ends).isoformat()[:19], timeout=8)
            assert 'id="room-agenda"' in html  # the whole room, from the database
        finally:
            private_redis.resume()
        await ana.disconnect()
