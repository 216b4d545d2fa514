"""The room's delivery: every socket converges, in its own language, after
any fault of the channel layer or of the process that made a change.

Faults are injected with fake layers (tests/reliability/layers.py) and by
taking out the broadcast of a committed change (a process killed between
commit and publish). Every test asserts what each socket finally shows,
without a reload.
"""

import asyncio
import logging
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone, translation

from config.env import parse_database_url
from core import events
from realtime import broadcast, consumers, fragments, services
from realtime.models import Connection, Meeting, RoomVersion
from tests.realtime.test_consumer import communicator, drain
from tests.reliability.layers import FlakyLayer, HungLayer

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def layer(backend: str):
    with override_settings(CHANNEL_LAYERS={"default": {"BACKEND": backend}}):
        channel_layers.backends = {}
        try:
            yield get_channel_layer()
        finally:
            channel_layers.backends = {}


@pytest.fixture(autouse=True)
def clean_state():
    FlakyLayer.broken = False
    fragments._latest.clear()
    yield
    FlakyLayer.broken = False


@pytest.fixture
def fast_watch(monkeypatch):
    monkeypatch.setattr(consumers, "CHECK_INTERVAL", 0.2)


def set_language(user, language):
    get_user_model().objects.filter(pk=user.pk).update(language=language)
    user.language = language


async def connect(room_setup, cookie_for, who):
    cookie = await database_sync_to_async(cookie_for)(room_setup[who])
    ws = communicator(room_setup["meeting"], cookie)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def until(ws, text: str, timeout: float = 3.0) -> str:
    """The first message pushed to ``ws`` that contains ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            html = await ws.receive_from(timeout=max(0.05, deadline - time.monotonic()))
        except TimeoutError:
            break
        if text in html:
            return html
    pytest.fail(f"{text!r} never reached the socket")


def as_language(language, action, **kwargs):
    """A service called as in a request of a person reading ``language``."""
    with translation.override(language):
        return action(**kwargs)


def version_of(meeting) -> int:
    return RoomVersion.current([meeting.pk])[meeting.pk]


@pytest.fixture
def bilingual(room_setup):
    """Fay and Ana read French, Bo reads English."""
    for who, language in (("fac", "fr"), ("ana", "fr"), ("bo", "en")):
        set_language(room_setup[who], language)
    return room_setup


class TestEachViewerReadsTheirLanguage:
    async def test_an_english_viewer_in_a_french_meeting_sees_english(self, bilingual, cookie_for):
        meeting, fac = bilingual["meeting"], bilingual["fac"]
        ana = await connect(bilingual, cookie_for, "ana")
        bo = await connect(bilingual, cookie_for, "bo")
        first_ana, first_bo = (await drain(ana))[0], (await drain(bo))[0]
        assert "Ordre du jour" in first_ana and ">Agenda<" not in first_ana
        assert ">Agenda<" in first_bo and "Ordre du jour" not in first_bo

        await database_sync_to_async(as_language)(
            "fr", services.open_meeting, meeting=meeting, by=fac
        )
        opened_ana = await until(ana, 'data-state="open"')
        opened_bo = await until(bo, 'data-state="open"')
        assert "Minutes so far" in opened_bo and "Minutes so far" not in opened_ana

        # Durations too: the timer reads in each viewer's language.
        await database_sync_to_async(as_language)(
            "fr", services.set_timer, meeting=meeting, seconds=2 * 3600, by=fac
        )
        timer_ana = await until(ana, 'id="room-timer"')
        timer_bo = await until(bo, 'id="room-timer"')
        assert "heure" in timer_ana and "hour" not in timer_ana
        assert "hour" in timer_bo and "heure" not in timer_bo
        for ws in (ana, bo):
            await ws.disconnect()

    async def test_one_change_is_rendered_once_per_language(self, bilingual, cookie_for):
        meeting, fac = bilingual["meeting"], bilingual["fac"]
        sockets = [await connect(bilingual, cookie_for, who) for who in ("ana", "fac", "bo")]
        for ws in sockets:
            await drain(ws)
        with mock.patch.object(fragments, "render_room", wraps=fragments.render_room) as render:
            await database_sync_to_async(as_language)(
                "fr", services.open_meeting, meeting=meeting, by=fac
            )
            ana, fac_html, bo = [await until(ws, 'data-state="open"') for ws in sockets]
        assert sorted(c.kwargs["language"] for c in render.call_args_list) == ["en", "fr"]
        assert ana == fac_html != bo
        for ws in sockets:
            await ws.disconnect()


class TestVersions:
    def test_every_change_bumps_the_version_in_its_own_transaction(self, room_setup):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        before = version_of(meeting)
        services.open_meeting(meeting=meeting, by=fac)
        assert version_of(meeting) == before + 1
        with pytest.raises(RuntimeError), transaction_that_fails():
            services.set_timer(meeting=meeting, seconds=60, by=fac)
        assert version_of(meeting) == before + 1
        assert Meeting.objects.get(pk=meeting.pk).timer_ends is None

    async def test_a_repeated_or_older_broadcast_is_skipped(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ws = await connect(room_setup, cookie_for, "ana")
        await drain(ws)
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        await until(ws, 'data-state="open"')
        version = await database_sync_to_async(version_of)(meeting)
        group = meeting.group_for("en")
        await get_channel_layer().group_send(
            group, {"type": "room.fragment", "html": "OLD ROOM", "version": version}
        )
        await get_channel_layer().group_send(
            group, {"type": "room.partial", "html": "OLD PART", "version": version - 1}
        )
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    async def test_a_change_whose_process_died_before_publishing_reaches_every_socket(
        self, bilingual, cookie_for, fast_watch
    ):
        meeting, fac = bilingual["meeting"], bilingual["fac"]
        ana = await connect(bilingual, cookie_for, "ana")
        bo = await connect(bilingual, cookie_for, "bo")
        fac_ws = await connect(bilingual, cookie_for, "fac")
        for ws in (ana, bo, fac_ws):
            await drain(ws)
        with mock.patch.object(broadcast, "broadcast_meeting") as never_published:
            await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        assert never_published.called
        # Nobody pushed it: the process's watch finds the sockets behind the
        # database and sends each the whole room, in its language, rendered
        # once per language for all the sockets behind.
        with mock.patch.object(fragments, "render_room", wraps=fragments.render_room) as render:
            healed_ana = await until(ana, 'data-state="open"')
            healed_bo = await until(bo, 'data-state="open"')
            healed_fac = await until(fac_ws, 'data-state="open"')
        assert "Ordre du jour" in healed_ana and ">Agenda<" in healed_bo
        assert healed_fac == healed_ana
        assert sorted(c.kwargs["language"] for c in render.call_args_list) == ["en", "fr"]
        for ws in (ana, bo, fac_ws):
            await ws.disconnect()

    async def test_a_broadcast_after_a_lost_one_brings_the_whole_room(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ws = await connect(room_setup, cookie_for, "ana")
        await drain(ws)
        with mock.patch.object(broadcast, "broadcast_meeting"):
            await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        assert await ws.receive_nothing(timeout=0.3)
        # The timer's broadcast is a partial two versions ahead of the socket:
        # it is not applied over the missing change; the room is read again.
        await database_sync_to_async(services.set_timer)(meeting=meeting, seconds=120, by=fac)
        html = await ws.receive_from(timeout=3)
        assert 'data-state="open"' in html and 'id="room-agenda"' in html
        assert 'id="room-timer"' in html and 'data-ends="2' in html
        await ws.disconnect()

    async def test_a_new_socket_never_gets_a_room_the_process_missed(self, room_setup, cookie_for):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        ana = await connect(room_setup, cookie_for, "ana")
        assert 'data-state="scheduled"' in (await drain(ana))[0]
        with mock.patch.object(broadcast, "broadcast_meeting"):
            await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        bo = await connect(room_setup, cookie_for, "bo")
        assert 'data-state="open"' in (await drain(bo))[0]
        for ws in (ana, bo):
            await ws.disconnect()


@contextmanager
def transaction_that_fails():
    from django.db import transaction

    with transaction.atomic():
        yield
        raise RuntimeError("something after the change failed")


class TestChannelLayerOutage:
    async def test_a_socket_closing_while_the_layer_is_down_removes_its_row(
        self, room_setup, cookie_for
    ):
        with layer("tests.reliability.layers.FlakyLayer"):
            ws = await connect(room_setup, cookie_for, "ana")
            await drain(ws)
            assert await database_sync_to_async(Connection.objects.count)() == 1
            FlakyLayer.broken = True
            await ws.disconnect()
            assert await database_sync_to_async(Connection.objects.count)() == 0

    async def test_every_socket_converges_during_and_after_an_outage(
        self, bilingual, cookie_for, fast_watch, caplog
    ):
        meeting, fac = bilingual["meeting"], bilingual["fac"]
        with layer("tests.reliability.layers.FlakyLayer"):
            ana = await connect(bilingual, cookie_for, "ana")
            bo = await connect(bilingual, cookie_for, "bo")
            await drain(ana)
            await drain(bo)
            FlakyLayer.broken = True
            with caplog.at_level(logging.WARNING):
                await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
                await database_sync_to_async(services.set_timer)(
                    meeting=meeting, seconds=600, by=fac
                )
            # The broadcasts failed (logged once, one line, no traceback)...
            sent = [r for r in caplog.records if "room broadcast not sent" in r.getMessage()]
            assert len(sent) == 1 and sent[0].exc_info is None
            # ... and each socket still gets the room from the database.
            for ws in (ana, bo):
                html = await until(ws, 'data-state="open"')
                assert 'data-ends="2' in html
            FlakyLayer.broken = False
            await database_sync_to_async(services.set_timer)(meeting=meeting, seconds=0, by=fac)
            for ws in (ana, bo):
                html = await until(ws, 'id="room-timer"')
                assert 'data-ends=""' in html
                await ws.disconnect()

    async def test_a_socket_opened_during_an_outage_joins_its_group_when_it_returns(
        self, room_setup, cookie_for, fast_watch
    ):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        await database_sync_to_async(services.open_meeting)(meeting=meeting, by=fac)
        with layer("tests.reliability.layers.FlakyLayer") as flaky:
            FlakyLayer.broken = True
            ws = await connect(room_setup, cookie_for, "ana")
            assert 'data-state="open"' in (await drain(ws))[0]
            FlakyLayer.broken = False
            await asyncio.sleep(consumers.CHECK_INTERVAL * 3)
            assert len(flaky.groups.get(meeting.group_for("en"), {})) == 1  # joined now
            await database_sync_to_async(services.set_timer)(meeting=meeting, seconds=300, by=fac)
            html = await until(ws, 'id="room-timer"')
            assert 'data-ends="2' in html
            await ws.disconnect()


class TestHungLayer:
    """A Redis that accepts and never answers must not hold any request."""

    def post_timer(self, client, meeting, minutes):
        url = f"/o/{meeting.circle.organization.slug}/meetings/{meeting.pk}/timer/"
        started = time.monotonic()
        response = client.post(url, {"minutes": minutes}, HTTP_HX_REQUEST="true")
        return response, time.monotonic() - started

    def test_actions_commit_and_answer_at_once(self, room_setup, monkeypatch, caplog):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        services.open_meeting(meeting=meeting, by=fac)
        monkeypatch.setattr(broadcast, "SEND_TIMEOUT", 0.2)
        client = Client()
        client.force_login(fac)
        HungLayer.calls = 0
        with layer("tests.reliability.layers.HungLayer"), caplog.at_level(logging.WARNING):
            timings = []
            for minutes in range(1, 11):
                response, elapsed = self.post_timer(client, meeting, minutes)
                assert response.status_code == 200
                assert 'id="room-timer"' in response.content.decode()
                timings.append(elapsed)
            assert broadcast.publisher.flush(timeout=30)
        assert max(timings) < 1.5, timings  # held, each would take SEND_TIMEOUT or more
        ends = Meeting.objects.get(pk=meeting.pk).timer_ends
        assert timedelta(minutes=9) < ends - timezone.now() <= timedelta(minutes=10)
        assert HungLayer.calls >= 10  # every language of every change was tried
        lines = [r for r in caplog.records if "room broadcast not sent" in r.getMessage()]
        assert len(lines) == 1 and "timed out" in lines[0].getMessage()

    def test_the_queue_is_bounded_and_drops_rather_than_waits(self, room_setup, monkeypatch):
        meeting, fac = room_setup["meeting"], room_setup["fac"]
        services.open_meeting(meeting=meeting, by=fac)
        monkeypatch.setattr(broadcast, "SEND_TIMEOUT", 0.5)
        monkeypatch.setattr(broadcast, "QUEUE_MAX", 2)
        client = Client()
        client.force_login(fac)
        dropped = broadcast.publisher.dropped
        with layer("tests.reliability.layers.HungLayer"):
            timings = [self.post_timer(client, meeting, m)[1] for m in range(1, 7)]
            assert broadcast.publisher.flush(timeout=30)
        assert max(timings) < 1.5, timings  # held, each would take SEND_TIMEOUT or more
        assert broadcast.publisher.dropped > dropped


class TestPresenceExpires:
    async def test_the_consumer_refreshes_its_row(self, room_setup, cookie_for, monkeypatch):
        monkeypatch.setattr(consumers, "CHECK_INTERVAL", 0.05)
        monkeypatch.setattr(consumers, "HEARTBEAT", 0.1)
        ws = await connect(room_setup, cookie_for, "ana")
        await drain(ws)
        old = timezone.now() - timedelta(minutes=5)
        await database_sync_to_async(Connection.objects.update)(last_seen=old)
        await asyncio.sleep(0.5)
        row = await database_sync_to_async(Connection.objects.get)()
        assert row.last_seen > timezone.now() - timedelta(seconds=5)
        await ws.disconnect()

    async def test_rows_of_a_dead_process_are_ignored_then_swept(
        self, room_setup, cookie_for, monkeypatch
    ):
        meeting, bo = room_setup["meeting"], room_setup["bo"]
        monkeypatch.setattr(consumers, "CHECK_INTERVAL", 0.05)
        monkeypatch.setattr(consumers, "SWEEP_INTERVAL", 0.3)
        ws = await connect(room_setup, cookie_for, "ana")
        await drain(ws)
        # Bo's socket was on a process that was killed: its row stays, stale.
        await database_sync_to_async(Connection.objects.create)(
            meeting=meeting,
            user=bo,
            channel_name="specific.dead!1",
            language="en",
            last_seen=timezone.now() - Connection.STALE_AFTER - timedelta(seconds=1),
        )
        from realtime import selectors

        assert bo.pk not in await database_sync_to_async(selectors.connected_user_ids)(meeting)
        await asyncio.sleep(0.6)
        assert not await database_sync_to_async(
            Connection.objects.filter(channel_name="specific.dead!1").exists
        )()
        # The rooms it was in are told who is connected now.
        presence = await until(ws, 'id="room-presence"')
        assert "room-agenda" not in presence
        await ws.disconnect()

    def test_a_dead_process_leaves_every_room_within_a_minute(self):
        """Its rows stop being refreshed; the last one is stale STALE_AFTER
        after its last beat, and another process's watch sweeps it (and
        pushes the room's presence) at its next sweep, on a check's tick.
        A live process's row survives a late beat. The sweep itself, with a
        real process killed, is tests/reliability/test_kill.py."""
        stale = Connection.STALE_AFTER.total_seconds()
        assert stale + consumers.SWEEP_INTERVAL + consumers.CHECK_INTERVAL <= 60
        assert stale >= 2 * (consumers.HEARTBEAT + consumers.CHECK_INTERVAL)


class TestFailFast:
    def test_postgresql_connections_and_the_pool_time_out_in_seconds(self, tmp_path):
        config = parse_database_url("postgres://u@db.example/cercle", default_sqlite=tmp_path)
        assert config["OPTIONS"]["connect_timeout"] <= 2
        assert config["OPTIONS"]["pool"]["timeout"] <= 3

    def test_a_failure_kind_is_logged_once_per_interval(self, caplog):
        log = logging.getLogger("tests.throttle")
        with caplog.at_level(logging.WARNING):
            said = [events.log_throttled(log, "kind", "failed %d", i) for i in range(50)]
            events.log_throttled(log, "other kind", "other")
        assert said.count(True) == 1
        assert [r.getMessage() for r in caplog.records] == ["failed 0", "other"]
        with mock.patch.object(events, "THROTTLE_INTERVAL", 0):
            events.log_throttled(log, "kind", "again")
        last = caplog.records[-1].getMessage()
        assert last == "again (and 49 more like it since the last report)"


class TestTheProcessCopyOfTheRoom:
    def test_it_serves_only_the_version_asked_and_never_goes_back(self):
        fragments.remember(1, "en", 3, "ROOM 3")
        fragments.remember(1, "en", 2, "ROOM 2, late")
        assert fragments.cached(1, "en", 3) == "ROOM 3"
        assert fragments.cached(1, "en", 2) is None
        assert fragments.cached(1, "fr", 3) is None

    def test_it_is_bounded(self, monkeypatch):
        monkeypatch.setattr(fragments, "LATEST_MAX", 2)
        for meeting_id in (1, 2, 3):
            fragments.remember(meeting_id, "en", 1, f"ROOM {meeting_id}")
        assert fragments.cached(1, "en", 1) is None
        assert fragments.cached(3, "en", 1) == "ROOM 3"
