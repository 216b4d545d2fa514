"""Who may do what to a circle, through the pages and the API.

Every action is tried by every persona. A refusal changes nothing; an
outsider (even a member of another organization) gets 404 everywhere, so a
private organization's existence is not revealed.
"""

import json

import pytest
from django.test import Client

from accounts.services import create_api_token
from circles import selectors, services
from circles.models import Invitation

from .conftest import role_of

PERSONAS = ["anonymous", "outsider", "other_member", "org_member", "member", "leader", "admin"]
OUTSIDE = {"anonymous", "outsider", "other_member"}


def _user(world, persona):
    return None if persona == "anonymous" else getattr(world, persona)


def _setup(world, action):
    """Objects an action needs, made before the snapshot."""
    extra = {}
    if action == "move_circle":
        extra["target"] = services.create_circle(
            parent=world.root, name="Target", slug="target", by=world.admin
        )
    if action == "revoke_invitation":
        extra["invitation"], _ = services.invite(
            circle=world.ops, email="new@example.org", by=world.admin
        )
    if action in ("end_assignment", "accept_delegate"):
        kind = "facilitator" if action == "end_assignment" else "delegate"
        extra["assignment"] = selectors.current_assignments(role_of(world.ops, kind)).get()
    return extra


# action -> (who may, HTML request, API request)
# An HTML request is (url, data); an API request is (method, path, json).
def _requests(world, action, extra):
    o, c = "/o/acme", "/o/acme/c/ops"
    api = "/api/v1/orgs/acme"
    sec = role_of(world.ops, "secretary")
    fac = role_of(world.ops, "facilitator")
    lead = role_of(world.ops, "leader")
    table = {
        "update_circle": (
            {"leader", "admin"},
            (f"{c}/edit/", {"name": "Ops 2", "aim": "x", "domains": "y", "review_months": 12}),
            ("patch", f"{api}/circles/ops", {"name": "Ops 2"}),
        ),
        "create_circle": (
            {"leader", "admin"},
            (f"{c}/new/", {"name": "Sub", "slug": "sub"}),
            ("post", f"{api}/circles", {"parent": "ops", "name": "Sub", "slug": "sub"}),
        ),
        "move_circle": (
            {"admin"},
            (f"{c}/move/", {"parent": extra.get("target") and extra["target"].pk}),
            ("post", f"{api}/circles/ops/move", {"parent": "target"}),
        ),
        "dissolve_circle": (
            {"admin"},
            (f"{c}/dissolve/", {"reason": "done"}),
            ("post", f"{api}/circles/ops/dissolve", {"reason": "done"}),
        ),
        "add_member": (
            {"leader", "admin"},
            (f"{c}/members/add/", {"user": world.org_member.pk}),
            ("post", f"{api}/circles/ops/members", {"user_id": world.org_member.pk}),
        ),
        "remove_member": (
            {"leader", "admin"},
            (f"{c}/members/{world.delegate.pk}/remove/", {}),
            ("post", f"{api}/circles/ops/members/{world.delegate.pk}/remove", {}),
        ),
        "create_role": (
            {"leader", "admin"},
            (f"{c}/roles/new/", {"name": "Gardener", "default_term_months": 6}),
            ("post", f"{api}/circles/ops/roles", {"name": "Gardener"}),
        ),
        "update_role": (
            {"leader", "admin"},
            (
                f"{c}/roles/{fac.pk}/edit/",
                {"name": "Facilitator", "purpose": "New", "default_term_months": 6},
            ),
            ("patch", f"{api}/roles/{fac.pk}", {"purpose": "New"}),
        ),
        "assign_role": (
            {"leader", "admin"},
            (f"{c}/roles/{sec.pk}/assign/", {"user": world.member.pk}),
            ("post", f"{api}/roles/{sec.pk}/assign", {"user_id": world.member.pk}),
        ),
        "appoint_leader": (
            {"admin"},
            (f"{c}/roles/{lead.pk}/assign/", {"user": world.member.pk}),
            ("post", f"{api}/roles/{lead.pk}/assign", {"user_id": world.member.pk}),
        ),
        "end_assignment": (
            {"leader", "admin"},
            (
                f"{c}/assignments/{extra.get('assignment') and extra['assignment'].pk}/end/",
                {"reason": "over"},
            ),
            (
                "post",
                f"{api}/assignments/{extra.get('assignment') and extra['assignment'].pk}/end",
                {"reason": "over"},
            ),
        ),
        "accept_delegate": (
            {"admin"},
            (f"{c}/assignments/{extra.get('assignment') and extra['assignment'].pk}/accept/", {}),
            (
                "post",
                f"{api}/assignments/{extra.get('assignment') and extra['assignment'].pk}/accept",
                {},
            ),
        ),
        "invite": (
            {"leader", "admin"},  # a leader invites from the circle page
            (f"{o}/members/invite/", {"email": "new@example.org", "circle": world.ops.pk}),
            ("post", f"{api}/invitations", {"email": "new@example.org", "circle": "ops"}),
        ),
        "revoke_invitation": (
            {"leader", "admin"},
            (f"{o}/invitations/{extra.get('invitation') and extra['invitation'].pk}/revoke/", {}),
            (
                "post",
                f"{api}/invitations/{extra.get('invitation') and extra['invitation'].pk}/revoke",
                {},
            ),
        ),
        "update_organization": (
            {"admin"},
            (f"{o}/settings/", {"name": "Acme 2", "language": "en"}),
            ("patch", f"{api}", {"name": "Acme 2"}),
        ),
        "set_org_admin": (
            {"admin"},
            (f"{o}/members/{world.org_member.pk}/admin/", {"is_admin": "1"}),
            ("post", f"{api}/members/{world.org_member.pk}/admin", {"is_admin": True}),
        ),
        "duplicate_circle": (
            {"admin"},
            (f"{c}/duplicate/", {"name": "Ops copy", "slug": "ops-copy"}),
            ("post", f"{api}/circles/ops/duplicate", {"name": "Ops copy", "slug": "ops-copy"}),
        ),
        "import_members": (
            {"admin"},
            (f"{o}/members/import/", {"text": "new@example.org,New,ops", "apply": "1"}),
            ("post", f"{api}/members/import", {"text": "new@example.org,New,ops", "apply": True}),
        ),
    }
    return table[action]


ACTIONS = [
    "update_circle",
    "create_circle",
    "move_circle",
    "dissolve_circle",
    "add_member",
    "remove_member",
    "create_role",
    "update_role",
    "assign_role",
    "appoint_leader",
    "end_assignment",
    "accept_delegate",
    "invite",
    "revoke_invitation",
    "update_organization",
    "set_org_admin",
    "import_members",
    "duplicate_circle",
]


def _state(world, snap):
    state = snap(world.org)
    state["invitations"] = list(
        Invitation.objects.filter(organization=world.org).values_list("pk", "revoked")
    )
    return state


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS)
class TestHtmlMatrix:
    def test_it_allows_or_refuses_without_a_trace(self, world, snap, action, persona):
        extra = _setup(world, action)
        allowed, (url, data), _api = _requests(world, action, extra)
        client = Client()
        user = _user(world, persona)
        if user is not None:
            client.force_login(user)
        before = _state(world, snap)
        response = client.post(url, data)
        after = _state(world, snap)
        if persona in allowed:
            assert response.status_code in (200, 302)
            assert after != before, f"{persona} should have done {action}"
            return
        assert after == before, f"{persona} changed something with {action}"
        if persona == "anonymous":
            assert response.status_code in (302, 404)
            if response.status_code == 302:
                assert "/accounts/login" in response["Location"]
        elif persona in OUTSIDE:
            assert response.status_code == 404
        else:
            assert response.status_code in (200, 302, 403)
            if response.status_code == 302:
                page = client.get(response["Location"])
                if page.status_code == 200:
                    assert b"message-error" in page.content
            elif response.status_code == 200:
                assert b"There is a problem" in response.content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS)
class TestApiMatrix:
    def test_it_allows_or_refuses_without_a_trace(self, world, snap, action, persona):
        extra = _setup(world, action)
        allowed, _html, (method, path, payload) = _requests(world, action, extra)
        headers = {}
        user = _user(world, persona)
        if user is not None:
            _token, raw = create_api_token(user=user, name="test")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        before = _state(world, snap)
        response = getattr(Client(), method)(
            path, data=json.dumps(payload), content_type="application/json", **headers
        )
        after = _state(world, snap)
        if persona in allowed:
            assert response.status_code in (200, 201), response.content
            assert after != before
            return
        assert after == before
        body = response.json()
        assert set(body) >= {"detail", "code"}
        expected = {"anonymous": 401, "outsider": 404, "other_member": 404}.get(persona, 403)
        assert response.status_code == expected, body


class TestReading:
    PAGES = [
        "/o/acme/",
        "/o/acme/c/ops/",
        "/o/acme/c/acme/",
        "/o/acme/terms/",
        "/o/acme/chart/",
        "/o/acme/chart.svg",
        "/o/acme/members/",
        "/o/acme/settings/",
        "/o/acme/c/ops/edit/",
        "/o/acme/c/ops/move/",
        "/o/acme/c/ops/dissolve/",
        "/o/acme/c/ops/new/",
    ]
    API = [
        "/api/v1/orgs/acme",
        "/api/v1/orgs/acme/circles",
        "/api/v1/orgs/acme/circles/ops",
        "/api/v1/orgs/acme/circles/ops/members",
        "/api/v1/orgs/acme/circles/ops/roles",
        "/api/v1/orgs/acme/circles/ops/health",
        "/api/v1/orgs/acme/chart",
        "/api/v1/orgs/acme/terms",
        "/api/v1/orgs/acme/members",
    ]

    @pytest.mark.parametrize("persona", ["anonymous", "outsider", "other_member"])
    def test_a_private_organization_is_invisible_to_outsiders(self, world, persona):
        client = Client()
        user = _user(world, persona)
        if user is not None:
            client.force_login(user)
        for url in [*self.PAGES, f"/o/acme/people/{world.member.pk}/"]:
            response = client.get(url)
            assert response.status_code == 404, url
            assert b"Acme" not in response.content
        for url in self.API:
            response = client.get(url)
            assert response.status_code in (401, 404), url
            assert b"Ops" not in response.content

    def test_an_org_member_reads_every_circle(self, world):
        client = Client()
        client.force_login(world.org_member)
        for url in self.PAGES[:6]:
            assert client.get(url).status_code == 200, url
        for url in self.API:
            assert client.get(url).status_code == 200, url
        assert client.get("/o/acme/members/").status_code == 403
        assert client.get("/o/acme/settings/").status_code == 403

    def test_anonymous_sees_the_chart_of_a_public_organization_only(self, world):
        services.update_organization(
            organization=world.org, by=world.admin, name="Acme", language="en", public_log=True
        )
        client = Client()
        assert client.get("/o/acme/chart/").status_code == 200
        assert client.get("/o/acme/chart.svg").status_code == 200
        # The overview is public like the log and the chart (issue 17); a
        # circle's page stays for members.
        assert client.get("/o/acme/").status_code == 200
        assert client.get("/o/acme/c/ops/").status_code == 404
