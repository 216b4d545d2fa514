"""The organization's navigation is on every organization page (it was
missing on 24 of 40), and a public organization's overview is public like
its log and chart (anonymous visitors got a 404)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from circles import services as circle_services
from circles.models import OrganizationMember


@pytest.fixture
def coop(make_user):
    admin = make_user("admin")
    org = circle_services.create_organization(name="Coop", slug="coop", by=admin, language="en")
    member = make_user("mia")
    OrganizationMember.objects.create(organization=org, user=member)
    return org, admin, member


def _org_only_routes():
    """Every GET page under /o/<org>/ whose only parameter is the organization."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif (
                isinstance(p, URLPattern)
                and route.startswith("o/<slug:org>/")
                and route.count("<") == 1
                and not route.endswith((".svg", ".ics", ".xml"))
            ):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_organization_page_has_the_organization_navigation(client, coop):
    org, admin, _member = coop
    client.force_login(admin)
    routes = _org_only_routes()
    assert len(routes) >= 8
    checked = 0
    for route in routes:
        url = "/" + route.replace("<slug:org>", org.slug)
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        html = response.content.decode()
        if "<html" not in html:
            continue
        assert 'class="org-nav"' in html, url
        assert html.count('class="org-nav"') == 1, url
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize(
    "path",
    ["/o/coop/", "/o/coop/log/", "/o/coop/log/search/", "/o/coop/chart/", "/o/coop/proposals/new/"],
)
def test_named_pages_have_it(client, coop, path):
    _org, admin, _member = coop
    client.force_login(admin)
    response = client.get(path + ("?circle=coop" if "proposals" in path else ""))
    if response.status_code == 404:
        pytest.skip(f"{path} is not a page here")
    assert 'class="org-nav"' in response.content.decode()


class TestPublicOverview:
    def test_anonymous_visitors_see_a_public_organization(self, client, coop):
        org, _admin, _member = coop
        org.public_log = True
        org.save()
        response = client.get("/o/coop/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Coop" in html and 'class="org-nav"' in html
        assert "Terms ending in the next 60 days" not in html  # members only
        assert "/o/coop/log/" in html

    def test_a_private_organization_stays_hidden(self, client, coop):
        org, _admin, _member = coop
        org.public_log = False
        org.save()
        assert client.get("/o/coop/").status_code == 404

    def test_members_still_see_everything(self, client, coop):
        _org, _admin, member = coop
        client.force_login(member)
        html = client.get("/o/coop/").content.decode()
        assert "Terms ending in the next 60 days" in html
