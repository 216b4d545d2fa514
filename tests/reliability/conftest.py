"""Reliability tests reuse the live room's set-up (a circle, a facilitator,
members, an outsider and a scheduled meeting) from tests/realtime."""

from tests.realtime.conftest import cookie_for, room_setup  # noqa: F401
