from django.urls import path

from circles import relay_views, views

app_name = "circles"

C = "o/<slug:org>/c/<slug:circle>/"

urlpatterns = [
    path("orgs/new/", views.organization_new, name="organization_new"),
    path("o/<slug:org>/", views.organization, name="organization"),
    path("o/<slug:org>/settings/", views.organization_settings, name="settings"),
    path("o/<slug:org>/members/", views.organization_members, name="members"),
    path("o/<slug:org>/members/invite/", views.invite, name="invite"),
    path("o/<slug:org>/members/import/", views.import_members, name="import_members"),
    path("o/<slug:org>/members/<int:user_id>/admin/", views.set_admin, name="set_admin"),
    path(
        "o/<slug:org>/invitations/<int:pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("o/<slug:org>/chart/", views.org_chart, name="chart"),
    path("o/<slug:org>/structure.json", views.structure_export, name="structure_export"),
    path("o/<slug:org>/chart.svg", views.org_chart_svg, name="chart_svg"),
    path("o/<slug:org>/terms/", views.terms, name="terms"),
    path("o/<slug:org>/people/<int:user_id>/", views.person, name="person"),
    path(C, views.circle, name="circle"),
    path(C + "members/add/", views.add_member, name="add_member"),
    path(C + "members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path(C + "new/", views.circle_new, name="circle_new"),
    path(C + "edit/", views.circle_edit, name="circle_edit"),
    path(C + "move/", views.circle_move, name="circle_move"),
    path(C + "dissolve/", views.circle_dissolve, name="circle_dissolve"),
    path(C + "duplicate/", views.circle_duplicate, name="circle_duplicate"),
    path(C + "setup/", views.circle_setup, name="circle_setup"),
    path(C + "propose/", views.propose_change, name="propose_change"),
    path(C + "roles/new/", views.role_new, name="role_new"),
    path(C + "roles/<int:role_id>/edit/", views.role_edit, name="role_edit"),
    path(C + "roles/<int:role_id>/assign/", views.role_assign, name="role_assign"),
    path(C + "assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path(C + "assignments/<int:pk>/accept/", views.assignment_accept, name="assignment_accept"),
    path(C + "relays/", relay_views.inbox, name="relays"),
    path("o/<slug:org>/relays/<int:pk>/<slug:segment>/", relay_views.act, name="relay_act"),
    path("o/<slug:org>/decisions/<int:seq>/relay/", relay_views.mark, name="relay_mark"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
