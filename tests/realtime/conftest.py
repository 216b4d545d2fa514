"""The live room's view of the shared personas (tests/personas.py, fixture
``world``): the circle is Ops (its seven members: Leo, Dee, Fay, Mia, Ana,
Bo, Cy), its facilitator Fay (``fac``), Mia as the meeting's secretary
(``sec``), Ana and Bo as plain members, Ada the organization's admin, and Otto
(``outsider``), who belongs to another organization, "Other"."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone


def _cast(world) -> dict:
    return {
        "org": world.org,
        "circle": world.ops,
        "admin": world.admin,
        "fac": world.facilitator,
        "sec": world.member,
        "ana": world.ana,
        "bo": world.bo,
        "outsider": world.other_member,
        "other_org": world.other_org,
    }


@pytest.fixture
def room_setup(transactional_db, world):
    from realtime import services

    cast = _cast(world)
    cast["meeting"] = services.schedule_meeting(
        circle=world.ops,
        title="Weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.facilitator,
        by=world.facilitator,
    )
    return cast


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def cookie_for():
    return session_cookie


@pytest.fixture
def people(world):
    """Ops with Fay as its facilitator, Mia (``sec``), Ana and Bo among its
    members, and Otto (``outsider``) with an organization of his own."""
    return _cast(world)


@pytest.fixture
def meeting(people):
    from realtime import services

    return services.schedule_meeting(
        circle=people["circle"],
        title="Weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=people["fac"],
        secretary=people["sec"],
        by=people["fac"],
    )
