"""The log pages, under /o/<org>/log/ (every view takes ``org``)."""

from django.urls import path

from logbook import views

app_name = "logbook"

urlpatterns = [
    path("", views.log, name="log"),
    path("search/", views.search_view, name="search"),
    path("due/", views.due, name="due"),
    path("verify/", views.verify, name="verify"),
    path("export.<str:fmt>", views.export, name="export"),
    path("feed.atom", views.feed, name="feed"),
    path("calendar.ics", views.calendar, name="calendar"),
    path("mine/calendar.ics", views.my_calendar, name="my_calendar"),
    path("links/", views.create_link, name="create_link"),
    path("links/<int:token_id>/revoke/", views.revoke_link, name="revoke_link"),
    path("<int:seq>/", views.detail, name="detail"),
    path("<int:seq>.pdf", views.entry_pdf, name="pdf"),
    path("<int:seq>/supersede/", views.supersede, name="supersede"),
    path("c/<slug:circle>/", views.log, name="circle_log"),
    path("c/<slug:circle>/due/", views.due, name="circle_due"),
    path("c/<slug:circle>/policies/", views.policies, name="policies"),
    path("c/<slug:circle>/export.<str:fmt>", views.export, name="circle_export"),
    path("c/<slug:circle>/feed.atom", views.feed, name="circle_feed"),
    path("c/<slug:circle>/calendar.ics", views.calendar, name="circle_calendar"),
]
