from django.urls import path

from elections import views

app_name = "elections"

urlpatterns = [
    path("", views.election_list, name="list"),
    path("new/", views.election_new, name="new"),
    path("<int:pk>/", views.election, name="election"),
    path("<int:pk>/sheets/", views.sheets, name="sheets"),
    path("<int:pk>/<path:step>/", views.election_action, name="action"),
]
