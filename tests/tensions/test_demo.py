"""The demo collective ships with tensions in flight: one on "I don't know
which" circle, one forwarded (with its history), one taken as a draft proposal;
loading it again changes nothing."""

import os

import pytest
from django.core.management import call_command

from tensions.models import Tension

pytestmark = pytest.mark.django_db


def test_the_demo_has_tensions_in_flight():
    for _ in range(2):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    tensions = {t.title: t for t in Tension.objects.all()}
    assert len(tensions) == 3
    unsure = tensions["Les clés du local"]
    assert unsure.unsure and unsure.circle.parent_id is None and unsure.state == "open"
    forwarded = tensions["Paniers livrés après la fermeture"]
    assert [e.action for e in forwarded.events.all()] == ["raised", "forwarded"]
    assert forwarded.circle.slug == "alimentation"
    assert forwarded.events.last().via_circle.slug == "breizh-coop"
    taken = tensions["Remboursement des frais de déplacement"]
    assert taken.state == "taken" and taken.proposal.state == "draft"
