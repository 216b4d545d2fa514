from django.urls import path, re_path

from realtime.consumers import CLOSE_NOT_FOUND, MeetingRoomConsumer


async def unknown_path(scope, receive, send):
    """Any other socket path: closed with 4404 before the handshake completes.

    Without it channels' URLRouter raises (a 500 and a traceback in the log
    for every probe); this answers at once and needs no channel layer.
    """
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})


websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingRoomConsumer.as_asgi()),
    # Last: whatever no route above took.
    re_path(r"", unknown_path),
]
