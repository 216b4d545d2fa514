"""``circles.selectors.can_facilitate``: the circle's facilitator or leader, or
an admin of its organization, asked in one query (a plain member's step in a
live room asks it on every action)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circles import selectors, services
from circles.models import OrganizationMember, RoleAssignment

pytestmark = pytest.mark.django_db


def asked(user, circle) -> tuple[bool, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = selectors.can_facilitate(user, circle)
    return answer, len(queries)


def test_the_facilitator_the_leader_and_an_admin_may_each_in_one_query(world):
    for user in (world.facilitator, world.leader, world.admin):
        assert asked(user, world.ops) == (True, 1), user


def test_a_plain_member_an_outsider_and_another_organization_may_not(world):
    for user in (world.member, world.delegate, world.org_member, world.outsider):
        assert asked(user, world.ops) == (False, 1), user
    # Admin of another organization: not of this one.
    assert asked(world.other_member, world.ops) == (False, 1)
    assert asked(AnonymousUser(), world.ops) == (False, 0)


def test_a_role_in_another_circle_does_not_count(world):
    # Leo leads Ops, not the root circle.
    assert asked(world.leader, world.root) == (False, 1)


def test_an_ended_term_and_a_former_admin_no_longer_count(world):
    assignment = RoleAssignment.objects.get(
        role__circle=world.ops, role__kind="facilitator", user=world.facilitator
    )
    services.end_assignment(assignment=assignment, by=world.leader, reason="Term over")
    assert asked(world.facilitator, world.ops) == (False, 1)

    OrganizationMember.objects.filter(organization=world.org, user=world.admin).update(
        left=timezone.now()
    )
    assert asked(world.admin, world.ops) == (False, 1)


def test_an_admin_flag_is_what_counts_for_a_member_of_the_organization(world):
    OrganizationMember.objects.filter(organization=world.org, user=world.org_member).update(
        is_admin=True
    )
    assert asked(world.org_member, world.ops) == (True, 1)


# ``standing``: the same rules, the three of them in one query ----------------


def _everyone(world):
    return (
        world.facilitator,
        world.leader,
        world.admin,
        world.member,
        world.delegate,
        world.org_member,
        world.outsider,
        world.other_member,
    )


def _each_rule(user, circle) -> selectors.Standing:
    return selectors.Standing(
        member=selectors.is_circle_member(user, circle),
        facilitates=selectors.can_facilitate(user, circle),
        takes_part=selectors.can_take_part(user, circle),
    )


def _standing(user, circle) -> tuple[selectors.Standing, int]:
    with CaptureQueriesContext(connection) as queries:
        found = selectors.standing(user, circle)
    return found, len(queries)


def test_standing_says_what_each_rule_says_in_one_query(world):
    for circle in (world.ops, world.root):
        for user in _everyone(world):
            found, queries = _standing(user, circle)
            assert found == _each_rule(user, circle), (user, circle)
            assert queries == 1
    # At least one of each answer, so the comparison means something.
    assert selectors.standing(world.facilitator, world.ops).facilitates
    assert selectors.standing(world.member, world.ops).takes_part
    assert not selectors.standing(world.outsider, world.ops).member
    assert _standing(AnonymousUser(), world.ops) == (
        selectors.Standing(member=False, facilitates=False, takes_part=False),
        0,
    )


def test_standing_follows_an_ended_term_a_departure_and_a_dissolved_circle(world):
    assignment = RoleAssignment.objects.get(
        role__circle=world.ops, role__kind="facilitator", user=world.facilitator
    )
    services.end_assignment(assignment=assignment, by=world.leader, reason="Term over")
    assert not selectors.standing(world.facilitator, world.ops).facilitates
    assert selectors.standing(world.facilitator, world.ops).member

    world.ops.memberships.filter(user=world.member).update(left=timezone.now())
    assert selectors.standing(world.member, world.ops) == selectors.Standing(
        member=False, facilitates=False, takes_part=False
    )

    world.ops.dissolved = timezone.now()
    found = selectors.standing(world.facilitator, world.ops)
    assert found.member and not found.takes_part
    assert found == _each_rule(world.facilitator, world.ops)
