"""Channel layers that fail on purpose, for the reliability tests.

``FlakyLayer`` is the in-memory layer with a switch: while ``broken`` is
set, every call raises as a Redis that refuses connections would. The
consumers' loop is the only one that touches it (its sends are inline, as
for the in-memory layer it is).

``HungLayer`` is a network layer that never answers a send (a hung Redis:
the connection is open, nothing comes back). It is not an in-memory layer,
so broadcasts go through the publisher's thread, as with Redis.
"""

import asyncio

from channels.layers import BaseChannelLayer, InMemoryChannelLayer


class FlakyLayer(InMemoryChannelLayer):
    broken = False

    def _check(self):
        if FlakyLayer.broken:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    async def group_add(self, group, channel):
        self._check()
        return await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        self._check()
        return await super().group_discard(group, channel)

    async def group_send(self, group, message):
        self._check()
        return await super().group_send(group, message)

    async def send(self, channel, message):
        self._check()
        return await super().send(channel, message)


class HungLayer(BaseChannelLayer):
    """Every send waits forever; the calls it received are counted."""

    calls = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    async def _hang(self):
        HungLayer.calls += 1
        await asyncio.Event().wait()

    async def group_send(self, group, message):
        await self._hang()

    async def send(self, channel, message):
        await self._hang()

    async def group_add(self, group, channel):
        await self._hang()

    async def group_discard(self, group, channel):
        await self._hang()

    async def new_channel(self, prefix="specific."):
        return f"{prefix}hung"

    async def receive(self, channel):
        await asyncio.Event().wait()
