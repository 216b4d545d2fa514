"""A new organization starts from a template or another one's structure."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from circles import blueprints, services
from circles.health import health_by_circle
from circles.models import Circle, Organization, Role
from core.errors import Invalid
from decisions.models import Decision
from decisions.services import verify_log


def _circles(org):
    return {c.slug: c for c in Circle.objects.filter(organization=org)}


def test_a_first_circle_is_one_circle_with_its_process_roles(make_user):
    org = services.create_organization(name="Solo", slug="solo", by=make_user("ada"))
    circles = _circles(org)
    assert list(circles) == ["solo"]
    kinds = set(Role.objects.filter(circle=circles["solo"]).values_list("kind", flat=True))
    assert kinds == {"leader", "facilitator", "secretary"}


def test_the_association_template_builds_a_double_linked_tree(make_user):
    ada = make_user("ada")
    org = services.create_organization(
        name="Asso", slug="asso", by=ada, language="fr", template="association"
    )
    circles = _circles(org)
    assert set(circles) == {"asso", "general", "activities", "communication", "finances"}
    assert circles["general"].parent == circles["asso"]
    for slug in ("activities", "communication", "finances"):
        assert circles[slug].parent == circles["general"]
    assert circles["general"].name == "Cercle général"
    assert circles["asso"].aim.startswith("Cercle de mission")
    for slug in ("general", "activities"):
        kinds = set(Role.objects.filter(circle=circles[slug]).values_list("kind", flat=True))
        assert {"leader", "delegate", "facilitator", "secretary"} <= kinds
    # Every child circle has a double link to fill, and health says which half.
    health = health_by_circle(org)
    assert set(health) == {circles[s].pk for s in circles if s != "asso"}
    assert verify_log(organization_id=org.pk).ok


def test_an_english_organization_gets_english_names(make_user):
    org = services.create_organization(
        name="Assoc", slug="assoc", by=make_user("ada"), language="en", template="association"
    )
    assert _circles(org)["general"].name == "General circle"


def test_the_structure_of_one_organization_starts_another_without_people(make_user):
    ada, bea = make_user("ada"), make_user("bea")
    source = services.create_organization(
        name="Source", slug="source", by=ada, language="en", template="association"
    )
    general = _circles(source)["general"]
    services.create_role(
        circle=general,
        name="Treasurer",
        by=ada,
        accountabilities=["Keeps the money"],
        qualifications=["Careful"],
    )
    document = json.loads(json.dumps(blueprints.structure_of(source)))
    assert "ada" not in json.dumps(document)
    copy = services.create_organization(
        name="Copy", slug="copy", by=bea, language="en", template="import", structure=document
    )
    circles = _circles(copy)
    assert set(circles) == {"copy", "general", "activities", "communication", "finances"}
    treasurer = Role.objects.get(circle=circles["general"], name="Treasurer")
    assert treasurer.accountabilities == ["Keeps the money"] and treasurer.qualifications == [
        "Careful"
    ]
    assert circles["copy"].aim == _circles(source)["source"].aim
    # No person of the source came along: bea alone is in the copy.
    assert set(copy.members.values_list("user__email", flat=True)) == {bea.email}
    renamed = [
        {**c, "parent": "copy" if c["parent"] == "source" else c["parent"]}
        for c in document["circles"][1:]
    ]
    assert blueprints.structure_of(copy)["circles"][1:] == renamed


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"format": "other"}, "not a Cercle structure"),
        ({"format": "cercle-structure", "version": 99, "circles": []}, "version 99"),
        (
            {
                "format": "cercle-structure",
                "version": 1,
                "circles": [{"slug": "a", "name": "A", "parent": "nowhere"}],
            },
            "unknown parent",
        ),
        (
            {
                "format": "cercle-structure",
                "version": 1,
                "circles": [
                    {"slug": "a", "name": "A", "parent": "b"},
                    {"slug": "b", "name": "B", "parent": "a"},
                ],
            },
            "loop",
        ),
    ],
)
def test_a_bad_structure_is_refused_and_nothing_is_written(make_user, document, message):
    ada = make_user("ada")
    before = (Organization.objects.count(), Decision.objects.count())
    with pytest.raises(Invalid, match=message):
        services.create_organization(
            name="Bad", slug="bad", by=ada, template="import", structure=document
        )
    assert (Organization.objects.count(), Decision.objects.count()) == before


def test_a_structure_whose_circle_slug_collides_rolls_everything_back(make_user):
    document = {
        "format": "cercle-structure",
        "version": 1,
        "circles": [
            {"slug": "same", "name": "Same", "parent": None},
            {"slug": "same2", "name": "X", "parent": "same"},
            {"slug": "clash", "name": "Clash", "parent": "same"},
        ],
        "roles": [],
    }
    with pytest.raises(Invalid):
        services.create_organization(
            name="Clash", slug="clash", by=make_user("ada"), template="import", structure=document
        )
    assert not Organization.objects.filter(slug="clash").exists()
    assert not Circle.objects.filter(slug="same2").exists()


def test_the_page_creates_from_an_uploaded_structure_and_explains_a_bad_file(client, make_user):
    ada = make_user("ada")
    source = services.create_organization(name="Src", slug="src", by=ada, template="association")
    client.force_login(ada)
    exported = client.get(reverse("circles:structure_export", kwargs={"org": "src"}))
    assert exported.status_code == 200
    upload = SimpleUploadedFile("s.json", exported.content, content_type="application/json")
    response = client.post(
        reverse("circles:organization_new"),
        {
            "name": "Dest",
            "slug": "dest",
            "language": "fr",
            "template": "import",
            "structure_file": upload,
        },
    )
    assert response.status_code == 302
    assert set(_circles(Organization.objects.get(slug="dest"))) == {
        "dest",
        *(c.slug for c in Circle.objects.filter(organization=source) if c.parent_id),
    }
    bad = SimpleUploadedFile("s.json", b"not json", content_type="application/json")
    response = client.post(
        reverse("circles:organization_new"),
        {
            "name": "Dest2",
            "slug": "dest2",
            "language": "fr",
            "template": "import",
            "structure_file": bad,
        },
    )
    assert response.status_code == 200
    assert "not a Cercle structure export" in response.content.decode()
    assert not Organization.objects.filter(slug="dest2").exists()


def test_the_api_creates_from_a_template(client, make_user):
    from accounts.services import create_api_token

    ada = make_user("ada")
    _token, raw = create_api_token(user=ada, name="t")
    response = client.post(
        "/api/v1/orgs",
        {"name": "Api", "slug": "api-asso", "template": "association"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    assert "general" in _circles(Organization.objects.get(slug="api-asso"))
