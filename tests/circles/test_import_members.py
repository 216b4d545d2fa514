"""Members from a list: a preview line by line, then all of it or nothing."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from circles import imports, services
from circles.models import Circle, Invitation, Membership, OrganizationMember
from core.errors import Invalid, NotAllowed
from decisions.models import Decision


@pytest.fixture
def org(make_user):
    ada = make_user("ada")
    org = services.create_organization(name="Acme", slug="acme", by=ada, language="en")
    root = Circle.objects.get(organization=org, parent__isnull=True)
    ops = services.create_circle(parent=root, name="Ops team", slug="ops", by=ada)
    old = services.create_circle(parent=root, name="Old", slug="old", by=ada)
    services.dissolve_circle(circle=old, by=ada, reason="Done")
    mia = make_user("mia")
    OrganizationMember.objects.create(organization=org, user=mia)
    services.add_member(circle=ops, user=mia, by=ada)
    bob = make_user("bob")  # has an account, not in the organization
    return {"org": org, "ada": ada, "mia": mia, "bob": bob, "root": root, "ops": ops}


LIST = """email;name;circles;language
new@example.org;Nina New;ops|acme;fr
mia@example.org;Mia;Ops team
mia@example.org;Mia again;ops
bob@example.org;Bob;ops
broken-address;X;ops
who@example.org;Who;nowhere
dead@example.org;Dead;old
lang@example.org;Lang;ops;klingon
"""


def test_the_plan_says_what_each_line_will_do(org):
    lines = imports.plan(org["org"], imports.parse(LIST), by=org["ada"])
    got = {line.row.number: (line.outcome, line.reason, line.circle_names) for line in lines}
    assert got[2][0] == "invite" and got[2][2] == "Ops team, Acme"
    assert got[3][0] == "unchanged"
    assert got[4][0] == "error" and "line 3" in got[4][1]
    assert got[5][0] == "invite"  # an account, but not in the organization
    assert got[6][0] == "error" and "not an email address" in got[6][1]
    assert got[7][0] == "error" and "nowhere" in got[7][1]
    assert got[8][0] == "error" and "dissolved" in got[8][1]
    assert got[9][0] == "error" and "klingon" in got[9][1]
    assert imports.summary(lines) == {"invite": 2, "add": 0, "unchanged": 1, "error": 5}


def test_a_list_with_an_error_changes_nothing(org):
    before = (Invitation.objects.count(), Membership.objects.count(), Decision.objects.count())
    with pytest.raises(Invalid, match="5 lines have an error"):
        services.import_members(organization=org["org"], text=LIST, by=org["ada"])
    after = (Invitation.objects.count(), Membership.objects.count(), Decision.objects.count())
    assert after == before


def test_a_clean_list_applies_whole(org, django_capture_on_commit_callbacks, settings):
    mia, ops, root = org["mia"], org["ops"], org["root"]
    text = "new@example.org, Nina, ops|acme, fr\nmia@example.org, Mia, acme\n"
    with django_capture_on_commit_callbacks(execute=True):
        result = services.import_members(organization=org["org"], text=text, by=org["ada"])
    assert result["applied"] and result["counts"] == {
        "invite": 1,
        "add": 1,
        "unchanged": 0,
        "error": 0,
    }
    assert set(
        Invitation.objects.filter(email="new@example.org").values_list("circle", flat=True)
    ) == {
        ops.pk,
        root.pk,
    }
    assert Membership.objects.filter(circle=root, user=mia, left__isnull=True).exists()
    assert Decision.objects.filter(
        record__action="member_added", record__person__id=mia.pk
    ).exists()
    # The invitations went in the language the list named.
    sent = [m for m in mail.outbox if m.to == ["new@example.org"]]
    assert len(sent) == 2 and all("rejoindre" in m.subject for m in sent)
    # Importing the same list again changes nothing more.
    again = imports.plan(org["org"], imports.parse(text), by=org["ada"])
    assert {line.outcome for line in again} == {"unchanged"}


def test_only_an_administrator_may_import(org):
    with pytest.raises(NotAllowed):
        services.import_members(organization=org["org"], text="x@example.org", by=org["mia"])
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_the_page_previews_then_applies(client, org):
    client.force_login(org["ada"])
    url = reverse("circles:import_members", kwargs={"org": "acme"})
    upload = SimpleUploadedFile("m.csv", "email,name\nz@example.org,Zoé\n".encode())
    page = client.post(url, {"file": upload, "preview": "1"}).content.decode()
    assert "z@example.org" in page and 'name="apply"' in page
    assert "z@example.org,Zoé" in page  # the file's text is in the box to confirm
    assert not Invitation.objects.filter(email="z@example.org").exists()
    response = client.post(url, {"text": "email,name\nz@example.org,Zoé\n", "apply": "1"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="z@example.org").count() == 1


def test_the_page_refuses_a_list_in_error_with_the_lines(client, org):
    client.force_login(org["ada"])
    url = reverse("circles:import_members", kwargs={"org": "acme"})
    page = client.post(url, {"text": LIST, "apply": "1"}).content.decode()
    assert "nothing was imported" in page
    assert "not an email address" in page and 'name="apply"' not in page
    assert not Invitation.objects.filter(email="new@example.org").exists()


def test_a_member_may_not_see_the_import_page(client, org):
    client.force_login(org["mia"])
    assert client.get(reverse("circles:import_members", kwargs={"org": "acme"})).status_code == 403


def test_five_thousand_lines_plan_in_a_few_queries(org, django_assert_max_num_queries):
    text = "\n".join(f"p{i}@example.org,Person {i},ops" for i in range(5000))
    rows = imports.parse(text)
    with django_assert_max_num_queries(12):
        lines = imports.plan(org["org"], rows, by=org["ada"])
    assert imports.summary(lines)["invite"] == 5000


def test_the_api_previews_then_applies(client, org):
    from accounts.services import create_api_token

    _token, raw = create_api_token(user=org["ada"], name="t")
    headers = {"Authorization": f"Bearer {raw}"}
    url = "/api/v1/orgs/acme/members/import"
    text = "api@example.org,Api,ops\nbad-address,X,ops"
    plan = client.post(url, {"text": text}, content_type="application/json", headers=headers)
    assert plan.status_code == 200, plan.content
    body = plan.json()
    assert body["applied"] is False and body["counts"]["error"] == 1
    assert [line["outcome"] for line in body["lines"]] == ["invite", "error"]
    refused = client.post(
        url, {"text": text, "apply": True}, content_type="application/json", headers=headers
    )
    assert refused.status_code == 400 and "nothing was imported" in refused.json()["detail"]
    assert not Invitation.objects.filter(email="api@example.org").exists()
    done = client.post(
        url,
        {"text": "api@example.org,Api,ops", "apply": True},
        content_type="application/json",
        headers=headers,
    )
    assert done.status_code == 200 and done.json()["applied"] is True
    assert Invitation.objects.filter(email="api@example.org", circle=org["ops"]).exists()
