"""Reliability tests reuse the live room's set-up (a circle, a facilitator,
members, an outsider and a scheduled meeting) from tests/realtime."""

import pytest

from tests.realtime.conftest import cookie_for, room_setup  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_failure_log():
    """Each test sees its own first failure line (core.events.log_throttled),
    and leaves no send of its own waiting in the publisher."""
    from core import events
    from realtime import broadcast

    events.reset_throttle()
    yield
    broadcast.publisher.flush(timeout=15)
