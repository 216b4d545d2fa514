"""Personal API tokens: create, list, use, revoke; from the profile page and the API."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TestTokensOnTheProfilePage:
    def test_it_shows_a_new_token_once_and_stores_only_its_hash(self, client, make_user):
        alice = make_user("alice")
        client.force_login(alice)
        response = client.post(reverse("accounts:token_create"), {"name": "minutes script"})
        assert response.status_code == 200
        raw = response.context["new_token"]
        assert raw.startswith("cercle_")
        assert raw in response.content.decode()
        token = ApiToken.objects.get(user=alice)
        assert token.name == "minutes script"
        assert token.key_hash == hash_token(raw)
        assert raw not in (token.prefix, token.key_hash)
        # Listed afterwards, but the secret is never shown again.
        page = client.get(reverse("accounts:profile")).content.decode()
        assert "minutes script" in page
        assert token.prefix in page
        assert raw not in page

    def test_it_answers_htmx_with_the_tokens_section_only(self, client, make_user):
        client.force_login(make_user("alice"))
        response = client.post(
            reverse("accounts:token_create"), {"name": "bot"}, HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert 'id="api-tokens"' in body
        assert "<html" not in body
        assert response.context["new_token"] in body

    def test_it_refuses_a_token_without_a_name(self, client, make_user):
        alice = make_user("alice")
        client.force_login(alice)
        response = client.post(reverse("accounts:token_create"), {"name": "  "})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode() or (
            "Il y a un problème" in response.content.decode()
        )
        assert not ApiToken.objects.filter(user=alice).exists()

    def test_it_revokes_a_token(self, client, make_user):
        alice = make_user("alice")
        client.force_login(alice)
        client.post(reverse("accounts:token_create"), {"name": "bot"})
        token = ApiToken.objects.get(user=alice)
        response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked is not None

    def test_it_does_not_revoke_another_users_token(self, client, make_user):
        bob = make_user("bob")
        from accounts.services import create_api_token

        token, _raw = create_api_token(user=bob, name="bob's")
        client.force_login(make_user("alice"))
        client.post(reverse("accounts:token_revoke", args=[token.pk]))
        token.refresh_from_db()
        assert token.revoked is None

    def test_it_needs_a_login(self, client):
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
        response = client.post(reverse("accounts:token_create"), {"name": "x"})
        assert response.status_code == 302
        assert not ApiToken.objects.exists()


class TestTokensThroughTheApi:
    def test_it_creates_uses_and_revokes_a_token(self, client, make_user):
        alice = make_user("alice")
        client.force_login(alice)
        created = client.post("/api/v1/me/tokens", {"name": "cli"}, content_type="application/json")
        assert created.status_code == 201, created.content
        raw = created.json()["token"]
        token_id = created.json()["id"]
        assert ApiToken.objects.get(pk=token_id).key_hash == hash_token(raw)
        client.logout()

        me = client.get("/api/v1/me", **bearer(raw))
        assert me.status_code == 200
        assert me.json()["email"] == "alice@example.org"
        listed = client.get("/api/v1/me/tokens", **bearer(raw)).json()
        assert [t["name"] for t in listed] == ["cli"]
        assert "token" not in listed[0]
        assert ApiToken.objects.get(pk=token_id).last_used is not None

        revoked = client.post(f"/api/v1/me/tokens/{token_id}/revoke", **bearer(raw))
        assert revoked.status_code == 200
        assert revoked.json()["revoked"] is not None

        after = client.get("/api/v1/me", **bearer(raw))
        assert after.status_code == 401
        assert set(after.json()) == {"detail", "code"}
        assert after.json()["code"] == "unauthorized"

    def test_it_refuses_a_bad_token_with_the_error_format(self, client, make_user):
        make_user("alice")
        for header in ("Bearer cercle_not-a-token", "Bearer nonsense", "Basic abc", ""):
            response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
            assert response.status_code == 401
            body = response.json()
            assert set(body) == {"detail", "code"}
            assert body["code"] == "unauthorized"

    def test_it_refuses_a_token_of_an_inactive_user(self, client, make_user):
        from accounts.services import create_api_token

        alice = make_user("alice")
        _token, raw = create_api_token(user=alice, name="cli")
        alice.is_active = False
        alice.save()
        assert client.get("/api/v1/me", **bearer(raw)).status_code == 401

    def test_it_refuses_a_token_without_a_name(self, client, make_user):
        client.force_login(make_user("alice"))
        response = client.post("/api/v1/me/tokens", {"name": " "}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert not ApiToken.objects.exists()

    def test_it_answers_404_for_another_users_token(self, client, make_user):
        from accounts.services import create_api_token

        bob_token, _ = create_api_token(user=make_user("bob"), name="bob's")
        _t, raw = create_api_token(user=make_user("alice"), name="alice's")
        response = client.post(f"/api/v1/me/tokens/{bob_token.pk}/revoke", **bearer(raw))
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "code"}
        bob_token.refresh_from_db()
        assert bob_token.revoked is None

    def test_it_needs_csrf_for_a_session_post(self, make_user):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        alice = make_user("alice")
        client.force_login(alice)
        response = client.post(
            "/api/v1/me/tokens", {"name": "cli"}, content_type="application/json"
        )
        assert response.status_code in (401, 403)
        assert not ApiToken.objects.filter(user=alice).exists()

    def test_it_reads_me_with_a_session(self, client, make_user):
        client.force_login(make_user("alice", display_name="Alice Martin"))
        body = client.get("/api/v1/me").json()
        assert body["display_name"] == "Alice Martin"
        assert body["name"] == "Alice Martin"
