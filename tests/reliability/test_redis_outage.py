"""A Redis outage never fails an action: it commits, clients resync later.

The broadcast is rendered after commit and handed to the process's
publisher thread (realtime.broadcast.publisher): the request never waits
for Redis. The publisher fails fast (REDIS_CONNECT_TIMEOUT, its own
SEND_TIMEOUT) and logs one line per kind of failure per interval.
"""

import socket
import time
from contextlib import contextmanager

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.test import Client, override_settings

from realtime import broadcast, services
from realtime.models import Meeting

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _layers_at(url: str) -> dict:
    layers = {"default": {**settings.CHANNEL_LAYERS["default"]}}
    config = {**layers["default"]["CONFIG"]}
    config["hosts"] = [{**config["hosts"][0], "address": url}]
    config["hosts"][0].pop("sentinels", None)
    layers["default"]["CONFIG"] = config
    return layers


@contextmanager
def channel_layer_at(url: str):
    """The project's Redis layer, as configured, but pointed at ``url``."""
    with override_settings(CHANNEL_LAYERS=_layers_at(url)):
        channel_layers.backends = {}
        try:
            yield
        finally:
            channel_layers.backends = {}


@contextmanager
def closed_port():
    """A loopback port nobody listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


@contextmanager
def silent_port():
    """A loopback port that never completes a connection: its accept queue is
    full, so the kernel drops further handshakes, as a dead host would."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    try:
        # Fill the accept queue (never accepted) until a connect stalls.
        for _ in range(8):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(server.getsockname())
            fillers.append(c)
        yield server.getsockname()[1]
    finally:
        for c in fillers:
            c.close()
        server.close()


def _set_timer_as(user, meeting, minutes=5):
    client = Client()
    client.force_login(user)
    url = f"/o/{meeting.circle.organization.slug}/meetings/{meeting.pk}/timer/"
    started = time.monotonic()
    response = client.post(url, {"minutes": minutes}, HTTP_HX_REQUEST="true")
    return response, time.monotonic() - started


class TestActionDuringRedisOutage:
    @pytest.fixture
    def open_meeting(self, room_setup):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        services.open_meeting(meeting=meeting, by=fac)
        return meeting

    def test_it_commits_quickly_when_redis_refuses(self, room_setup, open_meeting, caplog):
        with closed_port() as port, channel_layer_at(f"redis://127.0.0.1:{port}/0"):
            response, elapsed = _set_timer_as(room_setup["fac"], open_meeting)
            assert broadcast.publisher.flush(timeout=10)
        assert response.status_code == 200
        assert elapsed < 1
        assert Meeting.objects.get(pk=open_meeting.pk).timer_ends is not None
        assert 'id="room-timer"' in response.content.decode()
        assert any("room broadcast not sent" in r.getMessage() for r in caplog.records)

    def test_it_commits_within_the_connect_timeout_when_redis_hangs(
        self, room_setup, open_meeting, caplog
    ):
        with silent_port() as port, channel_layer_at(f"redis://127.0.0.1:{port}/0"):
            response, elapsed = _set_timer_as(room_setup["fac"], open_meeting)
            assert broadcast.publisher.flush(timeout=15)
        assert response.status_code == 200
        assert elapsed < 1  # the request does not even wait for the connect timeout
        assert Meeting.objects.get(pk=open_meeting.pk).timer_ends is not None
        assert any("room broadcast not sent" in r.getMessage() for r in caplog.records)

    def test_it_still_refuses_an_action_that_is_not_allowed(self, room_setup, open_meeting):
        # The outage changes nothing about the rules: a member may not set
        # the timer, and nothing is written.
        with closed_port() as port, channel_layer_at(f"redis://127.0.0.1:{port}/0"):
            response, elapsed = _set_timer_as(room_setup["ana"], open_meeting)
        assert response.status_code in (403, 409)
        assert elapsed < 5
        assert Meeting.objects.get(pk=open_meeting.pk).timer_ends is None
