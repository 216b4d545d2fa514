"""The base layout, the friendly error pages, the API documentation pages."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


class TestBaseLayout:
    def test_it_loads_htmx_and_its_websocket_extension(self, client):
        page = client.get("/").content.decode()
        assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', page)
        assert re.search(r'<script src="/static/django_htmx/ext/hx-ws-2[^"]*\.js"', page)

    def test_it_serves_the_htmx_files(self, client):
        page = client.get("/").content.decode()
        for src in re.findall(r'<script src="([^"]+)"', page):
            response = client.get(src)
            assert response.status_code == 200, src
            b"".join(response.streaming_content)

    def test_it_puts_the_csrf_header_on_body(self, client):
        page = client.get("/").content.decode()
        assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'", page)

    def test_it_has_no_inline_script_or_style(self, client, make_user):
        client.force_login(make_user("alice"))
        for url in ("/", reverse("accounts:profile"), reverse("accounts:login")):
            page = client.get(url, follow=True).content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
            assert "<style" not in page, url
            assert " style=" not in page, url

    def test_it_sends_a_strict_content_security_policy(self, client):
        policy = client.get("/")["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", policy).group(1)
        assert "'unsafe-inline'" not in script_src
        assert "frame-ancestors 'none'" in policy

    def test_it_shows_flash_messages_once(self, client, make_user):
        client.force_login(make_user("alice"))
        response = client.post(
            reverse("accounts:profile"), {"display_name": "Al", "language": "en"}, follow=True
        )
        assert "Your profile is saved." in response.content.decode()
        assert 'role="status"' in response.content.decode()
        assert "Your profile is saved." not in client.get("/").content.decode()

    def test_it_lists_the_users_organizations_on_home(self, client, make_user):
        from circles.models import Organization, OrganizationMember

        alice = make_user("alice", language="en")
        org = Organization.objects.create(name="Coop Breizh", slug="coop-breizh")
        Organization.objects.create(name="Secret Club", slug="secret-club")
        OrganizationMember.objects.create(organization=org, user=alice)
        client.force_login(alice)
        page = client.get("/").content.decode()
        assert "Your organizations" in page
        assert "Coop Breizh" in page
        assert "Secret Club" not in page

    def test_it_says_so_when_the_user_has_no_organization(self, client, make_user):
        client.force_login(make_user("alice", language="en"))
        page = client.get("/").content.decode()
        assert "You do not belong to any organization yet." in page

    def test_it_invites_an_anonymous_visitor_to_log_in(self, client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get("/").content.decode()
        assert "Decide together, by consent." in page
        assert reverse("accounts:login") in page


class TestErrorPages:
    @pytest.fixture(autouse=True)
    def _production(self, settings):
        settings.DEBUG = False

    def test_it_shows_the_friendly_404(self, client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/no/such/page/")
        assert response.status_code == 404
        body = response.content.decode()
        assert "This page does not exist" in body
        assert 'class="site-header"' in body  # the base layout

    def test_it_shows_the_friendly_403(self, client, rf):
        from core.views import error_403

        request = rf.get("/")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        request.LANGUAGE_CODE = "en"
        from django.utils import translation

        with translation.override("en"):
            response = error_403(request)
        assert response.status_code == 403
        assert "You cannot see this page" in response.content.decode()

    def test_it_shows_the_friendly_500_without_the_database(self, rf):
        from core.views import error_500

        response = error_500(rf.get("/"))
        assert response.status_code == 500
        body = response.content.decode()
        assert "Something went wrong" in body or "Une erreur" in body
        assert "Traceback" not in body


class TestApiDocs:
    def test_it_serves_the_openapi_document(self, client):
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["info"]["title"] == "Cercle API"
        assert "/api/v1/me" in schema["paths"]
        schemes = schema["components"]["securitySchemes"]
        assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}

    def test_it_serves_the_docs_page_and_its_static_files(self, client):
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        page = response.content.decode()
        assert "swagger" in page.lower()
        # No inline script runs: the only script elements without src carry JSON data.
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page):
            assert 'type="application/json"' in tag, tag
        for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
            static = client.get(src)
            assert static.status_code == 200, src
            b"".join(static.streaming_content)
