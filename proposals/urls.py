from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("c/<slug:circle>/", views.proposal_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/answer-for/", views.answer_for, name="answer_for"),
    path("<int:pk>/reply/<int:response>/", views.reply, name="reply"),
    path("<int:pk>/objections/<int:objection>/", views.resolve, name="resolve"),
    path("<int:pk>/do/<str:action>/", views.act, name="act"),
]
