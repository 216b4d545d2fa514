"""A year of decisions in one collective, recorded the way the engines record
them (docs/RECORDS.md): personas alice (admin, facilitator of the garden),
bob (member), an outsider, and anonymous."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from circles.models import Circle, Organization, OrganizationMember, Role, RoleAssignment
from decisions.services import record_decision


def person(user):
    return {"id": user.pk, "name": user.name}


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


@pytest.fixture
def org(db, alice, bob):
    organization = Organization.objects.create(name="Coop Breizh", slug="coop", language="fr")
    OrganizationMember.objects.create(organization=organization, user=alice, is_admin=True)
    OrganizationMember.objects.create(organization=organization, user=bob)
    return organization


@pytest.fixture
def circles(org):
    root = Circle.objects.create(organization=org, name="Coop", slug="coop")
    garden = Circle.objects.create(organization=org, parent=root, name="Jardin", slug="jardin")
    seeds = Circle.objects.create(organization=org, parent=garden, name="Semences", slug="semences")
    return {"root": root, "garden": garden, "seeds": seeds}


@pytest.fixture
def facilitator(circles, alice, bob):
    """alice facilitates the garden, bob is its secretary."""
    today = timezone.localdate()
    for kind, user in (("facilitator", alice), ("secretary", bob)):
        role = Role.objects.create(circle=circles["garden"], kind=kind, name=kind.title())
        RoleAssignment.objects.create(
            role=role, user=user, term_start=today, term_end=today + timedelta(days=365)
        )
    return alice


def record(org, **kwargs):
    with transaction.atomic():
        return record_decision(organization=org, **kwargs)


@pytest.fixture
def log(org, circles, alice, bob):
    """Five decisions: a policy due for review, a selection past its term, a
    policy in a sub-circle, minutes, and an old decision of 2024."""
    today = timezone.localdate()
    policy = record(
        org,
        kind="policy",
        circle=circles["root"],
        title="Règlement intérieur",
        body="Les réunions commencent à l'heure.\nOn tourne la parole.",
        review_date=today + timedelta(days=10),
        record={
            "action": "policy_adopted",
            "by": person(alice),
            "proposal": {"id": 1, "title": "Règlement", "author": person(alice)},
            "participants": [person(alice), person(bob)],
            "positions": [
                {"member": person(alice), "position": "consent", "text": "", "concern": ""},
                {"member": person(bob), "position": "consent", "text": "ok", "concern": "tôt"},
            ],
            "objections": [
                {
                    "member": person(bob),
                    "reason": "Trop rigide pour les parents",
                    "state": "integrated",
                    "resolution": "Tolérance de dix minutes",
                    "revision": 2,
                }
            ],
            "concerns": [{"member": person(bob), "text": "Réunions trop tôt"}],
            "meeting": {"id": 7, "title": "Réunion de janvier"},
        },
    )
    selection = record(
        org,
        kind="selection",
        circle=circles["garden"],
        title="Bob élu secrétaire du jardin",
        review_date=None,
        term_end=today - timedelta(days=5),
        record={
            "action": "selection_made",
            "by": person(alice),
            "person": person(bob),
            "participants": [person(alice), person(bob)],
            "grid": [
                {
                    "nominator": person(alice),
                    "nominee": person(bob),
                    "reason": "Il écrit bien",
                    "changed_to": None,
                    "change_reason": "",
                }
            ],
        },
    )
    seeds = record(
        org,
        kind="policy",
        circle=circles["seeds"],
        title="Échange de semences paysannes",
        body="Nous échangeons les graines entre membres.",
        review_date=today + timedelta(days=300),
        record={"action": "policy_adopted", "by": person(bob), "participants": [person(bob)]},
    )
    minutes = record(
        org,
        kind="minutes",
        circle=circles["root"],
        title="Compte rendu de janvier",
        record={"action": "meeting_minutes", "attendance": [person(alice), person(bob)]},
    )
    old = record(
        org,
        kind="other",
        title="Ancienne décision",
        decided_at=datetime(2024, 3, 1, 12, tzinfo=UTC),
    )
    return {
        "policy": policy,
        "selection": selection,
        "seeds": seeds,
        "minutes": minutes,
        "old": old,
    }


@pytest.fixture
def member_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The log page caches the chain check per head; tests start without it."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
