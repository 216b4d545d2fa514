from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("c/<slug:circle>/", views.proposal_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/sheets/", views.sheets, name="sheets"),
    # Every step of proposals.steps.STEPS, by its URL segment (views.act).
    path("<int:pk>/do/<path:segment>/", views.act, name="act"),
]
