"""A circle duplicated with its roles and definitions, without its people."""

import pytest

from circles import services
from circles.models import Circle, Membership, OrganizationMember, Role, RoleAssignment
from core.errors import Conflict, Invalid, NotAllowed


@pytest.fixture
def ops(make_user):
    ada, leo = make_user("ada"), make_user("leo")
    org = services.create_organization(name="Acme", slug="acme", by=ada, language="en")
    root = Circle.objects.get(organization=org, parent__isnull=True)
    ops = services.create_circle(
        parent=root, name="Ops", slug="ops", by=ada, aim="Run it", domains=["Tools"]
    )
    OrganizationMember.objects.create(organization=org, user=leo)
    services.add_member(circle=ops, user=leo, by=ada)
    services.create_role(
        circle=ops, name="Gardener", by=ada, accountabilities=["Waters"], qualifications=["Patient"]
    )
    facilitator = Role.objects.get(circle=ops, kind="facilitator")
    services.update_role(role=facilitator, by=ada, purpose="Keeps time", default_term_months=6)
    services.assign_role(role=facilitator, user=leo, by=ada)
    return {"ada": ada, "leo": leo, "ops": ops, "root": root}


def test_the_copy_has_the_definitions_and_none_of_the_people(ops):
    copy = services.duplicate_circle(circle=ops["ops"], by=ops["ada"], name="Ops 2")
    assert copy.parent == ops["root"] and copy.slug == "ops-2"
    assert (copy.aim, copy.domains) == ("Run it", ["Tools"])
    gardener = Role.objects.get(circle=copy, name="Gardener")
    assert (gardener.accountabilities, gardener.qualifications) == (["Waters"], ["Patient"])
    facilitator = Role.objects.get(circle=copy, kind="facilitator")
    assert (facilitator.purpose, facilitator.default_term_months) == ("Keeps time", 6)
    assert not Membership.objects.filter(circle=copy).exists()
    assert not RoleAssignment.objects.filter(role__circle=copy).exists()


def test_the_root_cannot_be_duplicated_and_a_member_may_not(ops):
    with pytest.raises(Conflict):
        services.duplicate_circle(circle=ops["root"], by=ops["ada"], name="Root 2")
    with pytest.raises(NotAllowed):
        services.duplicate_circle(circle=ops["ops"], by=ops["leo"], name="Mine")
    assert Circle.objects.count() == 2


def test_a_taken_short_name_is_refused_and_nothing_is_created(ops):
    with pytest.raises(Invalid):
        services.duplicate_circle(circle=ops["ops"], by=ops["ada"], name="Ops", slug="ops")
    assert Circle.objects.count() == 2 and Role.objects.filter(name="Gardener").count() == 1
