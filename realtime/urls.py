from django.urls import path

from realtime import views

app_name = "realtime"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("templates/", views.template_list, name="templates"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("<int:meeting_id>/items/", views.item_add, name="item_add"),
    path("<int:meeting_id>/items/<int:item_id>/move/", views.item_move, name="item_move"),
    path("<int:meeting_id>/items/<int:item_id>/remove/", views.item_remove, name="item_remove"),
    path("<int:meeting_id>/items/<int:item_id>/notes/", views.notes_save, name="notes"),
    path("<int:meeting_id>/draft/<slug:action>/", views.draft_item, name="draft"),
    path(
        "<int:meeting_id>/items/<int:item_id>/frame/<slug:action>/",
        views.frame_action,
        name="frame",
    ),
    path("<int:meeting_id>/template/", views.template_save, name="template_save"),
    path("<int:meeting_id>/attendance/", views.attendance_mark, name="attendance"),
    path("<int:meeting_id>/room/", views.room, name="room"),
    path("<int:meeting_id>/room/join/", views.room_join, name="join"),
    path("<int:meeting_id>/room/me/", views.room_me, name="me"),
    path("<int:meeting_id>/projector/", views.projector, name="projector"),
    path("<int:meeting_id>/reschedule/", views.meeting_reschedule, name="reschedule"),
    path("<int:meeting_id>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:meeting_id>/sheets/", views.sheets, name="sheets"),
    path("<int:meeting_id>/<slug:action>/", views.meeting_action, name="action"),
]
