"""A year of decisions in the shared personas' organization (tests/personas.py,
fixture ``world``), recorded the way the engines record them (docs/RECORDS.md):
``alice`` is Ada (the organization's admin), ``bob`` is Bo (a plain member of
Ops), ``outsider`` is Oscar (of no organization), and anonymous. The circles
are the root Acme, Ops (``garden``: Fay facilitates it) and a sub-circle of
Ops, Semences (``seeds``). The world's own set-up fills the first
``WORLD_ENTRIES`` entries of the log; ``seq(n)`` is the n-th entry recorded
after them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from circles import services as circle_services
from circles.models import Circle
from decisions.services import record_decision
from tests.personas import role_of

#: Entries the world's set-up records in Acme's log (organization, circles,
#: roles, members) before any test records its own.
WORLD_ENTRIES = 14


#: The world's entries in Ops (its creation's members and roles), oldest first.
WORLD_OPS = (4, 6, 7, 8, 9, 10, 11, 13, 14)


def seq(n: int) -> int:
    """The sequence number of the n-th entry a test records in Acme's log."""
    return WORLD_ENTRIES + n


def person(user):
    return {"id": user.pk, "name": user.name}


@pytest.fixture
def alice(world):
    return world.admin


@pytest.fixture
def bob(world):
    return world.bo


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def org(world):
    organization = world.org
    assert organization.decisions.count() == WORLD_ENTRIES, "the world's log changed"
    return organization


@pytest.fixture
def circles(world, org):
    seeds = Circle.objects.create(
        organization=org, parent=world.ops, name="Semences", slug="semences"
    )
    return {"root": world.root, "garden": world.ops, "seeds": seeds}


@pytest.fixture
def facilitator(world, circles):
    """Fay facilitates Ops (the garden); Bo is made its secretary."""
    circle_services.assign_role(
        role=role_of(world.ops, "secretary"), user=world.bo, by=world.leader
    )
    return world.facilitator


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
