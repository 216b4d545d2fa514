"""Who may read the log: members always; anyone when the log is public;
outsiders and anonymous visitors of a private log get a 404 everywhere."""

import pytest
from django.urls import reverse

from logbook.feeds import create_feed_token, revoke_feed_token
from logbook.models import FeedToken

from .conftest import seq

PATHS = [
    ("logbook:log", {}),
    ("logbook:circle_log", {"circle": "ops"}),
    ("logbook:detail", {"seq": 1}),
    ("logbook:search", {}),
    ("logbook:due", {}),
    ("logbook:verify", {}),
    ("logbook:export", {"fmt": "json"}),
    ("logbook:export", {"fmt": "csv"}),
    ("logbook:export", {"fmt": "md"}),
    ("logbook:circle_export", {"circle": "ops", "fmt": "json"}),
    ("logbook:feed", {}),
    ("logbook:circle_feed", {"circle": "ops"}),
    ("logbook:calendar", {}),
    ("logbook:circle_calendar", {"circle": "ops"}),
]
API_PATHS = [
    "/api/v1/orgs/acme/decisions",
    "/api/v1/orgs/acme/decisions/1",
    "/api/v1/orgs/acme/decisions/search?q=semences",
    "/api/v1/orgs/acme/decisions/export",
    "/api/v1/orgs/acme/decisions/verify",
]


def _url(name, kwargs, query=""):
    return reverse(name, kwargs={"org": "acme", **kwargs}) + query


def _body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


class TestPrivateLog:
    @pytest.mark.parametrize("name, kwargs", PATHS)
    def test_an_outsider_gets_nothing(self, client, log, outsider, name, kwargs):
        client.force_login(outsider)
        response = client.get(_url(name, kwargs, "?q=semences" if "search" in name else ""))
        assert response.status_code == 404
        assert "semences" not in _body(response).lower()

    @pytest.mark.parametrize("name, kwargs", PATHS)
    def test_anonymous_gets_nothing(self, client, log, name, kwargs):
        response = client.get(_url(name, kwargs))
        assert response.status_code == 404
        assert "Règlement" not in _body(response)

    @pytest.mark.parametrize("path", API_PATHS)
    def test_the_api_answers_404_to_outsiders_and_anonymous(self, client, log, outsider, path):
        assert client.get(path).status_code == 404
        client.force_login(outsider)
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_a_missing_organization_looks_the_same_as_a_private_one(self, client, log):
        private = client.get(reverse("logbook:log", kwargs={"org": "acme"}))
        missing = client.get(reverse("logbook:log", kwargs={"org": "nope"}))
        assert private.status_code == missing.status_code == 404

    @pytest.mark.parametrize("name, kwargs", PATHS)
    def test_a_member_reads_every_path(self, member_client, log, name, kwargs):
        assert member_client.get(_url(name, kwargs)).status_code == 200


class TestPublicLog:
    @pytest.mark.parametrize("name, kwargs", PATHS)
    def test_anonymous_reads_searches_exports_and_verifies(self, client, log, org, name, kwargs):
        org.public_log = True
        org.save()
        assert client.get(_url(name, kwargs)).status_code == 200

    def test_anonymous_cannot_correct_a_decision(self, client, log, org):
        org.public_log = True
        org.save()
        url = reverse("logbook:supersede", kwargs={"org": "acme", "seq": seq(1)})
        assert client.get(url).status_code == 404
        response = client.post(url, {"reason": "because", "body": "x"})
        assert response.status_code == 400
        assert org.decisions.count() == seq(5)

    def test_anonymous_cannot_create_a_private_link(self, client, log, org):
        org.public_log = True
        org.save()
        response = client.post(reverse("logbook:create_link", kwargs={"org": "acme"}))
        assert response.status_code == 302
        assert not FeedToken.objects.exists()

    def test_the_api_lists_a_public_log_without_a_token(self, client, log, org):
        org.public_log = True
        org.save()
        response = client.get("/api/v1/orgs/acme/decisions")
        assert response.status_code == 200
        assert [d["sequence"] for d in response.json()["items"]] == [
            *range(seq(5), 0, -1)
        ]  # the log's five, then the world's own


class TestPrivateLinks:
    def test_a_member_creates_a_link_that_opens_feeds_and_exports(
        self, member_client, client, log, org, alice
    ):
        response = member_client.post(reverse("logbook:create_link", kwargs={"org": "acme"}))
        raw = response.context["raw"]
        assert FeedToken.objects.filter(user=alice, revoked__isnull=True).count() == 1
        for name, kwargs in PATHS[6:]:
            anonymous = client.get(_url(name, kwargs, f"?token={raw}"))
            assert anonymous.status_code == 200, name

    def test_a_revoked_link_opens_nothing(self, client, log, org, alice):
        token, raw = create_feed_token(user=alice, organization=org)
        assert client.get(_url("logbook:feed", {}, f"?token={raw}")).status_code == 200
        revoke_feed_token(user=alice, organization=org, token_id=token.pk)
        response = client.get(_url("logbook:feed", {}, f"?token={raw}"))
        assert response.status_code == 404
        assert "Règlement" not in _body(response)

    def test_a_link_of_a_member_who_left_opens_nothing(self, client, log, org, alice):
        from django.utils import timezone

        _token, raw = create_feed_token(user=alice, organization=org)
        org.members.filter(user=alice).update(left=timezone.now())
        assert client.get(_url("logbook:calendar", {}, f"?token={raw}")).status_code == 404

    def test_an_outsider_cannot_have_a_link(self, log, org, outsider):
        from core.errors import NotAllowed

        with pytest.raises(NotAllowed):
            create_feed_token(user=outsider, organization=org)
        assert not FeedToken.objects.exists()

    def test_the_revoke_button_revokes(self, member_client, log, org, alice):
        token, _raw = create_feed_token(user=alice, organization=org)
        member_client.post(
            reverse("logbook:revoke_link", kwargs={"org": "acme", "token_id": token.pk})
        )
        token.refresh_from_db()
        assert token.revoked is not None
