"""The org chart: an SVG drawn on the server, legible from 3 to 60 circles."""

import xml.etree.ElementTree as ET

from circles import services
from circles.models import Circle

from .conftest import accept_delegate, role_of

NS = {"s": "http://www.w3.org/2000/svg"}


def svg_of(client, slug="acme"):
    response = client.get(f"/o/{slug}/chart.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return ET.fromstring(response.content)


class TestChart:
    def test_it_labels_every_circle_and_draws_both_links(self, world, client):
        client.force_login(world.member)
        root = svg_of(client)
        links = root.findall(".//s:a", NS)
        assert len(links) == 2  # Acme and Ops
        for a in links:
            assert a.find("s:title", NS).text
            assert a.find("s:text", NS).text
        kinds = [p.get("data-link") for p in root.findall(".//s:path", NS)]
        assert sorted(kinds) == ["delegate", "leader"]
        assert root.find("s:title", NS).text and root.find("s:desc", NS).text

    def test_it_marks_an_unhealthy_link_with_a_dash_and_a_symbol(self, world, client):
        services.create_circle(parent=world.ops, name="Orphan", slug="orphan", by=world.admin)
        client.force_login(world.member)
        root = svg_of(client)
        broken = [p for p in root.findall(".//s:path", NS) if p.get("data-broken") == "1"]
        assert broken and all(p.get("stroke-dasharray") for p in broken)
        orphan = next(
            a
            for a in root.findall(".//s:a", NS)
            if a.get("data-health") != "complete" and "Orphan" in a.find("s:title", NS).text
        )
        assert "⚠" in "".join(t.text or "" for t in orphan.findall("s:text", NS))
        assert "Orphan" in root.find("s:desc", NS).text

    def test_it_escapes_circle_names(self, world, client):
        services.create_circle(
            parent=world.ops, name='<script>alert("x")</script> & co', slug="xss", by=world.admin
        )
        client.force_login(world.member)
        root = svg_of(client)  # parses: nothing unescaped broke the XML
        assert not root.findall(".//s:script", NS)
        page = client.get("/o/acme/chart/").content.decode()
        assert "<script>alert" not in page

    def test_it_truncates_long_names_and_keeps_the_full_name_in_title(self, world, client):
        name = "A circle with a very long name that goes on and on"
        services.create_circle(parent=world.ops, name=name, slug="long", by=world.admin)
        client.force_login(world.member)
        root = svg_of(client)
        a = next(a for a in root.findall(".//s:a", NS) if a.get("href").endswith("/c/long/"))
        assert name in a.find("s:title", NS).text
        assert a.find("s:text", NS).text.endswith("…")

    def test_it_stays_legible_with_60_circles(self, world, client):
        parents = [world.ops]
        while Circle.objects.filter(organization=world.org).count() < 60:
            n = Circle.objects.filter(organization=world.org).count()
            parent = parents[n % len(parents)]
            circle = services.create_circle(parent=parent, name=f"Circle {n}", by=world.admin)
            if n % 3 == 0:
                services.assign_role(
                    role=role_of(circle, "leader"), user=world.member, by=world.admin
                )
            if len(parents) < 8:
                parents.append(circle)
        client.force_login(world.member)
        root = svg_of(client)
        anchors = root.findall(".//s:a", NS)
        assert len(anchors) == 60
        assert all(a.find("s:title", NS).text and a.find("s:text", NS).text for a in anchors)
        assert len(root.findall(".//s:path", NS)) == 2 * 59
        _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
        # A tree growing downwards: as wide as its depth, one row per leaf.
        assert 560 <= width <= 2500
        assert height <= 60 * 75 + 200
        page = client.get("/o/acme/chart/")
        # The text alternative: a nested list with every circle and its health.
        assert page.content.decode().count('class="circle-tree"') >= 2
        assert page.content.decode().count("data-health=") >= 60

    def test_the_api_gives_the_tree_with_health(self, world, client):
        accept_delegate(world)
        client.force_login(world.member)
        tree = client.get("/api/v1/orgs/acme/chart").json()
        assert tree[0]["slug"] == "acme" and tree[0]["health"] is None
        ops = tree[0]["children"][0]
        assert ops["health"] == "complete" and ops["leader"]["id"] == world.leader.pk
