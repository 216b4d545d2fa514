"""The floor of this stack: a bare Channels consumer that broadcasts a fixed
fragment, nothing of Cercle's (no database, no session, no rendering).

Served by the same uvicorn settings and the same channel layer as Cercle
(``config.settings`` reads the same environment), so the difference between
the two is what Cercle adds: authentication, the ORM, rendering a room.

- ``ws://…/ws/floor/<room>/``: joins group ``floor.<room>``, sends the fixed
  fragment once on connect, then every broadcast.
- ``POST /fire/<room>/<seq>/``: sends the fixed fragment, carrying
  ``data-seq="<seq>"``, to the room's group; answers ``data-seq="<seq>"`` when the layer
  took it.
"""

import os
import sys

if __name__ == "__main__":
    # `make bench` runs every script here; this one is an app, not a benchmark.
    print("floor_asgi: the floor app served by bench/room_fanout.py; nothing to run alone.")
    sys.exit(0)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

FRAGMENT_BYTES = int(os.environ.get("FLOOR_FRAGMENT_BYTES", "4000"))
_FILLER = "x" * max(0, FRAGMENT_BYTES - 80)


def fragment(seq: str) -> str:
    return f'<div id="floor" hx-swap-oob="true" data-seq="{seq}"><p>{_FILLER}</p></div>'


class FloorConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"floor.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=fragment("0"))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.close(code=4400)

    async def room_fragment(self, event):
        await self.send(text_data=event["html"])


async def fire(scope, receive, send):
    """POST /fire/<room>/<seq>/ -> group_send, then 200 with the seq."""
    parts = scope["path"].strip("/").split("/")
    if scope["method"] != "POST" or len(parts) != 3 or parts[0] != "fire":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    while (await receive()).get("more_body"):
        pass
    room, seq = parts[1], parts[2]
    await get_channel_layer().group_send(
        f"floor.{room}", {"type": "room.fragment", "html": fragment(seq)}
    )
    body = f'data-seq="{seq}"'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter(
    {
        "http": fire,
        "websocket": URLRouter([path("ws/floor/<str:room>/", FloorConsumer.as_asgi())]),
    }
)
