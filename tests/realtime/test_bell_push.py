"""The bell over the room's socket: a notification written for the viewer
refreshes their bell at once (their own group, ``core.push``), in their
language; nobody else's socket gets it; marking read pushes it too."""

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.utils import timezone

from notifications import services as notification_services
from notifications.models import Notification
from realtime.models import user_group
from tests.realtime.test_consumer import _open, drain

pytestmark = pytest.mark.django_db(transaction=True)


async def _bells(ws, timeout=10.0) -> list[str]:
    """The bell fragments pushed within ``timeout`` (the room's own pushes left out)."""
    found = []
    loop_end = timezone.now() + timedelta(seconds=timeout)
    while timezone.now() < loop_end:
        if await ws.receive_nothing(timeout=0.3):
            if found:
                break
            continue
        message = await ws.receive_from()
        if 'id="notification-bell"' in message:
            found.append(message)
    return found


def _move(setup):
    """The fan-out job of a meeting moved by Fay, run here, not through the
    job queue: Ana's and Bo's notifications, and Ana's bell pushed."""
    meeting = setup["meeting"]
    notification_services.fan_out(
        kind="meeting_moved",
        subject="realtime.meeting",
        subject_id=meeting.pk,
        params={
            "title": meeting.title,
            "circle": setup["circle"].name,
            "start": (timezone.now() + timedelta(days=2)).isoformat(),
            "by": setup["fac"].pk,
        },
        key=f"meeting_moved:{meeting.pk}:{uuid.uuid4()}",
    )


async def test_a_new_notification_refreshes_the_viewers_bell_at_once(room_setup, cookie_for):
    ana, bo = room_setup["ana"], room_setup["bo"]
    ana.language = "fr"
    await database_sync_to_async(ana.save)()
    ws_ana = await _open(room_setup, cookie_for, "ana")
    ws_fac = await _open(room_setup, cookie_for, "fac")
    await drain(ws_ana)
    await drain(ws_fac)
    await database_sync_to_async(_move)(room_setup)
    (bell,) = await _bells(ws_ana)
    unread = await database_sync_to_async(
        Notification.objects.filter(recipient=ana, read_at__isnull=True).count
    )()
    assert unread >= 1
    assert 'hx-swap-oob="true"' in bell
    assert f'<span class="badge" aria-hidden="true">{unread}</span>' in bell
    assert "non lue" in bell  # Ana's language
    # The actor is not told of their own act: Fay's socket gets no bell.
    assert await _bells(ws_fac, timeout=1.0) == []
    assert not await database_sync_to_async(
        Notification.objects.filter(recipient=room_setup["fac"]).exists
    )()
    # Bo has no socket: told, not pushed.
    assert await database_sync_to_async(Notification.objects.filter(recipient=bo).exists)()
    await ws_ana.disconnect()
    await ws_fac.disconnect()


async def test_marking_all_read_empties_the_bell_on_the_open_room(room_setup, cookie_for):
    ana = room_setup["ana"]
    ws = await _open(room_setup, cookie_for, "ana")
    await drain(ws)
    await database_sync_to_async(_move)(room_setup)
    assert await _bells(ws)
    await database_sync_to_async(notification_services.mark_all_read)(user=ana)
    (bell,) = await _bells(ws)
    assert 'class="badge"' not in bell and "has-unread" not in bell
    await ws.disconnect()


async def test_the_socket_joins_and_leaves_its_users_group(room_setup, cookie_for):
    layer = get_channel_layer()
    if not isinstance(layer, InMemoryChannelLayer):
        pytest.skip("only the in-memory layer shows its groups")
    ws = await _open(room_setup, cookie_for, "ana")
    await drain(ws)
    group = user_group(room_setup["ana"].pk)
    assert len(layer.groups.get(group, {})) == 1
    await ws.disconnect()
    assert not layer.groups.get(group)


async def test_nothing_is_pushed_to_someone_without_a_socket(room_setup):
    pushed = await database_sync_to_async(notification_services.push_bells)([room_setup["bo"].pk])
    assert pushed == 0
