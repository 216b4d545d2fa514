"""A public organization's open data (Popolo JSON, CSV zip, JSON-LD); a private
one publishes nothing."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from circles import services
from decisions.models import Decision


@pytest.fixture
def public_org(world):
    """Acme made public (and French, and renamed with markup to escape), its
    Ops (led by Leo, Mia among its members), and a dissolved circle "Old"."""
    admin = world.admin
    org = services.update_organization(
        organization=world.org, by=admin, name="Acme <Ouverte>", language="fr", public_log=True
    )
    old = services.create_circle(parent=world.root, name="Old", slug="old", by=admin)
    services.dissolve_circle(circle=old, by=admin, reason="Done")
    return {
        "org": org,
        "admin": admin,
        "leader": world.leader,
        "member": world.member,
        "ops": world.ops,
        "old": old,
    }


def test_popolo_document_holds_the_structure_its_history_and_the_decisions(client, public_org):
    org = public_org["org"]
    response = client.get(reverse("opendata:popolo", kwargs={"org": org.slug}))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "creativecommons.org/licenses/by-sa/4.0" in response["Link"]
    data = response.json()
    assert data["meta"]["licence"]["id"] == "CC-BY-SA-4.0"
    orgs = {o["id"]: o for o in data["organizations"]}
    ops, old = public_org["ops"], public_org["old"]
    assert orgs[f"circle-{ops.pk}"]["description"] == "Run things"
    assert orgs[f"circle-{old.pk}"]["dissolution_date"] is not None
    assert orgs[f"circle-{ops.pk}"]["parent_id"].startswith("circle-")
    persons = {p["id"]: p for p in data["persons"]}
    assert persons[f"person-{public_org['member'].pk}"] == {
        "id": f"person-{public_org['member'].pk}",
        "name": public_org["member"].name,
    }
    assert "example.org" not in json.dumps(data)  # no email address leaves
    leader_post = next(
        p
        for p in data["posts"]
        if p["organization_id"] == f"circle-{ops.pk}" and p["role"] == "leader"
    )
    terms = [m for m in data["memberships"] if m.get("post_id") == leader_post["id"]]
    assert [t["person_id"] for t in terms] == [f"person-{public_org['leader'].pk}"]
    assert terms[0]["start_date"] and terms[0]["end_date"]
    motions = data["motions"]
    decisions = list(Decision.objects.filter(organization=org).order_by("sequence"))
    assert [m["identifier"] for m in motions] == [str(d.sequence) for d in decisions]
    assert [m["hash"] for m in motions] == [d.hash for d in decisions]
    assert motions[0]["sources"][0]["url"].startswith("http")


def test_the_zip_has_one_csv_per_kind_and_the_licence(client, public_org):
    org = public_org["org"]
    response = client.get(reverse("opendata:zip", kwargs={"org": org.slug}))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert {"organizations.csv", "motions.csv", "memberships.csv", "LICENCE.txt"} <= names
        rows = list(csv.DictReader(io.StringIO(archive.read("organizations.csv").decode())))
        licence = archive.read("LICENCE.txt").decode()
    assert {r["name"] for r in rows} >= {"Acme <Ouverte>", "Ops", "Old"}
    assert "CC-BY-SA-4.0" in licence


def test_the_licence_is_the_one_the_organization_chose(client, public_org):
    org = public_org["org"]
    services.update_organization(
        organization=org,
        by=public_org["admin"],
        name=org.name,
        language=org.language,
        public_log=True,
        data_licence="CC0-1.0",
    )
    data = client.get(reverse("opendata:popolo", kwargs={"org": org.slug})).json()
    assert data["meta"]["licence"]["id"] == "CC0-1.0"
    last = Decision.objects.filter(organization=org).order_by("-sequence").first()
    assert last.record["after"]["data_licence"] == "CC0-1.0"


def test_an_unknown_licence_is_refused_and_changes_nothing(public_org):
    from core.errors import Invalid

    org = public_org["org"]
    with pytest.raises(Invalid):
        services.update_organization(
            organization=org,
            by=public_org["admin"],
            name=org.name,
            language=org.language,
            public_log=True,
            data_licence="proprietary",
        )
    org.refresh_from_db()
    assert org.data_licence == "CC-BY-SA-4.0"


def test_public_pages_carry_json_ld_that_parses(client, public_org):
    org = public_org["org"]
    page = client.get(reverse("circles:organization", kwargs={"org": org.slug})).content.decode()
    start = page.index('<script type="application/ld+json"')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    assert "<Ouverte>" not in body  # escaped for the script element
    data = json.loads(body)
    assert data["name"] == "Acme <Ouverte>"
    assert {c["name"] for c in data["subOrganization"]} == {"Ops"}


def test_a_private_organization_publishes_nothing(client, world):
    admin, org = world.other_member, world.other_org  # Otto's "Other" keeps its log private
    assert not org.public_log
    client.force_login(admin)  # even its own admin: open data is for public organizations
    for name in ("page", "popolo", "zip"):
        assert client.get(reverse(f"opendata:{name}", kwargs={"org": org.slug})).status_code == 404
    page = client.get(reverse("circles:organization", kwargs={"org": org.slug})).content.decode()
    assert "application/ld+json" not in page


def test_the_open_data_page_names_the_licence(client, public_org):
    org = public_org["org"]
    page = client.get(reverse("opendata:page", kwargs={"org": org.slug})).content.decode()
    assert 'rel="license"' in page
    assert reverse("opendata:popolo", kwargs={"org": org.slug}) in page


def test_the_documents_are_built_once_per_state_of_the_log(client, public_org, monkeypatch):
    """Kept in the cache by the log head: a second read builds nothing, a new
    decision makes a new document."""
    from decisions.services import record_decision
    from logbook import opendata

    built = []
    real = opendata.popolo
    monkeypatch.setattr(opendata, "popolo", lambda org: built.append(org.pk) or real(org))
    org = public_org["org"]
    url = reverse("opendata:popolo", kwargs={"org": org.slug})
    zip_url = reverse("opendata:zip", kwargs={"org": org.slug})
    before = client.get(url).json()
    client.get(zip_url)
    assert len(built) == 2  # the JSON and the zip, once each
    again = client.get(url).json()
    client.get(zip_url)
    assert again == before  # the same bytes, "generated" included
    assert len(built) == 2

    record_decision(organization=org, kind="other", title="Open hours", circle=public_org["ops"])
    after = client.get(url).json()
    assert len(built) == 3
    assert after["motions"][-1]["text"] == "Open hours"
    assert len(after["motions"]) == len(before["motions"]) + 1
    with zipfile.ZipFile(io.BytesIO(client.get(zip_url).content)) as archive:
        assert "Open hours" in archive.read("motions.csv").decode()
    assert len(built) == 4


def test_a_failing_cache_still_serves_the_documents(client, public_org, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    org = public_org["org"]
    response = client.get(reverse("opendata:popolo", kwargs={"org": org.slug}))
    assert response.status_code == 200
    assert response.json()["motions"]
