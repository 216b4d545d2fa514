from django.urls import path

from realtime.consumers import MeetingRoomConsumer

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingRoomConsumer.as_asgi()),
]
