"""A circle with a facilitator, members, an outsider, and a meeting."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from circles import services as circle_services
from circles.models import Circle, OrganizationMember, Role


@pytest.fixture
def room_setup(transactional_db):
    User = get_user_model()

    def user(name):
        return User.objects.create_user(
            email=f"{name}@example.org", password="correct horse battery", display_name=name.title()
        )

    admin = user("admin")
    fac, ana, bo, outsider = user("fac"), user("ana"), user("bo"), user("outsider")
    org = circle_services.create_organization(name="Coop", slug="coop", by=admin)
    root = Circle.objects.get(organization=org, parent__isnull=True)
    for person in (fac, ana, bo):
        OrganizationMember.objects.create(organization=org, user=person)
        circle_services.add_member(circle=root, user=person, by=admin)
    circle_services.assign_role(
        role=Role.objects.get(circle=root, kind="facilitator"), user=fac, by=admin
    )
    other_org = circle_services.create_organization(name="Other", slug="other", by=outsider)
    from realtime import services

    meeting = services.schedule_meeting(
        circle=root,
        title="Weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=fac,
        by=fac,
    )
    return {
        "org": org,
        "circle": root,
        "admin": admin,
        "fac": fac,
        "ana": ana,
        "bo": bo,
        "outsider": outsider,
        "other_org": other_org,
        "meeting": meeting,
    }


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def cookie_for():
    return session_cookie


@pytest.fixture
def people(db):
    """A circle (Fac holds its facilitator role; Sec, Ana and Bo are members),
    and an outsider with an organization of their own."""
    User = get_user_model()
    names = ["admin", "fac", "sec", "ana", "bo", "outsider"]
    users = {
        n: User.objects.create_user(email=f"{n}@example.org", password="x", display_name=n.title())
        for n in names
    }
    org = circle_services.create_organization(name="Coop", slug="coop", by=users["admin"])
    root = Circle.objects.get(organization=org, parent__isnull=True)
    for n in ("fac", "sec", "ana", "bo"):
        OrganizationMember.objects.create(organization=org, user=users[n])
        circle_services.add_member(circle=root, user=users[n], by=users["admin"])
    circle_services.assign_role(
        role=Role.objects.get(circle=root, kind="facilitator"), user=users["fac"], by=users["admin"]
    )
    circle_services.create_organization(name="Other", slug="other", by=users["outsider"])
    users.update(org=org, circle=root)
    return users


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
