"""A test-only ASGI entry point: the site's own application
(``config.asgi``), served by uvicorn in tests/reliability/test_kill.py.

Two changes, both made here and never in the site's code:

- ``CERCLE_TEST_DIE_AFTER_COMMIT=1``: the publish step of a change
  (``realtime.broadcast.broadcast_meeting``, which runs once the change's
  transaction has committed) is replaced by ``SIGKILL`` of this process. The
  change is in the database; nothing of it was rendered, queued or sent.
- ``CERCLE_TEST_ROOM_TIMES=check,heartbeat,stale,sweep`` (seconds): the
  watch's intervals and the presence rows' expiry, shortened so that a dead
  process's rows are swept within a test's time.
"""

import os
import signal
from datetime import timedelta

from config.asgi import application  # noqa: F401 - what uvicorn serves
from realtime import broadcast, consumers
from realtime.models import Connection

if os.environ.get("CERCLE_TEST_DIE_AFTER_COMMIT") == "1":

    def _die_before_publishing(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    broadcast.broadcast_meeting = _die_before_publishing

_times = os.environ.get("CERCLE_TEST_ROOM_TIMES", "")
if _times:
    check, heartbeat, stale, sweep = (float(value) for value in _times.split(","))
    consumers.CHECK_INTERVAL = check
    consumers.HEARTBEAT = heartbeat
    Connection.STALE_AFTER = timedelta(seconds=stale)
    consumers.SWEEP_INTERVAL = sweep
