from django.urls import path

from tensions import views

app_name = "tensions"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.raise_new, name="raise"),
    path("c/<slug:circle>/", views.backlog, name="backlog"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.act, name="act"),
]
