"""Every answer under /api/v1/ is JSON, errors included: an unknown path, a
wrong method, an unreadable body, a failed CSRF check, bad input; each error
carries a specific code, and a refusal names the field it refuses."""

import json

import pytest
from django.test import Client

from accounts.services import create_api_token

ERROR_KEYS = {"detail", "code"}


@pytest.fixture
def auth(make_user):
    user = make_user("alice")
    _token, raw = create_api_token(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _is_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= ERROR_KEYS and body["code"] == code and body["detail"]
    return body


class TestOutsideTheOperations:
    @pytest.mark.parametrize(
        "path",
        ["/api/v1/nope", "/api/v1/orgs/coop/nothing/here", "/api/v1/orgs/coop/proposals/1/x/y"],
    )
    def test_an_unknown_path_is_a_json_404(self, client, auth, path):
        _is_error(client.get(path, **auth), 404, "not_found")
        _is_error(client.post(path, {}, content_type="application/json", **auth), 404, "not_found")

    def test_an_unknown_path_is_json_without_a_token_too(self, client):
        _is_error(client.get("/api/v1/nope"), 404, "not_found")

    def test_a_wrong_method_is_a_json_405_with_allow(self, client, auth):
        response = client.delete("/api/v1/orgs", **auth)
        body = _is_error(response, 405, "method_not_allowed")
        assert set(response["Allow"].split(", ")) == {"GET", "POST"}
        assert "DELETE" in body["detail"]

    def test_the_pages_keep_their_html_404(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


class TestCodes:
    def test_an_unreadable_body_is_malformed(self, client, auth):
        response = client.post("/api/v1/orgs", "{not json", content_type="application/json", **auth)
        _is_error(response, 400, "malformed")

    def test_without_a_token_it_is_unauthorized(self, client):
        _is_error(client.get("/api/v1/me"), 401, "unauthorized")

    def test_a_session_without_its_csrf_token_is_csrf_failed(self, make_user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user("bob"))
        response = client.post("/api/v1/orgs", {"name": "X"}, content_type="application/json")
        _is_error(response, 403, "csrf_failed")

    def test_a_wrong_shape_names_each_field(self, client, auth):
        response = client.post(
            "/api/v1/orgs",
            json.dumps({"name": 5, "public_log": "maybe"}),
            content_type="application/json",
            **auth,
        )
        body = _is_error(response, 422, "invalid")
        assert "name:" in body["detail"] and "public_log:" in body["detail"]
        assert {e["loc"][-1] for e in body["errors"]} == {"name", "public_log"}

    def test_a_missing_field_is_named(self, client, auth):
        response = client.post("/api/v1/orgs", {}, content_type="application/json", **auth)
        body = _is_error(response, 422, "invalid")
        assert body["detail"] == "name: Field required"

    def test_a_refusal_of_a_service_names_its_field(self, client, auth):
        response = client.post(
            "/api/v1/me/tokens", {"name": "  "}, content_type="application/json", **auth
        )
        body = _is_error(response, 400, "invalid")
        assert body["field"] == "name"
