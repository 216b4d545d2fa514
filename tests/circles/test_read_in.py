"""``circles.selectors.read_in``: a subject and its reader's check in one statement."""

import pytest

from circles import selectors
from circles.models import Circle, OrganizationMember


@pytest.mark.django_db
def test_only_current_members_of_that_organization_read_its_rows(world):
    rows = Circle.objects.all()
    ops = world.ops.pk
    assert ops in set(
        selectors.read_in(rows, world.member, "acme", path="organization").values_list(
            "pk", flat=True
        )
    )
    # Another organization's slug, an outsider, a member of another organization: nothing.
    assert not selectors.read_in(rows, world.member, "other", path="organization").exists()
    assert not selectors.read_in(rows, world.outsider, "acme", path="organization").exists()
    assert not selectors.read_in(rows, world.other_member, "acme", path="organization").exists()


@pytest.mark.django_db
def test_a_member_who_left_reads_nothing(world, django_assert_num_queries):
    rows = Circle.objects.filter(pk=world.ops.pk)
    with django_assert_num_queries(1):
        assert (
            selectors.read_in(rows, world.member, "acme", path="organization").first() is not None
        )
    OrganizationMember.objects.filter(user=world.member).update(left="2026-01-01T00:00Z")
    assert selectors.read_in(rows, world.member, "acme", path="organization").first() is None


@pytest.mark.django_db
def test_anonymous_reads_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.read_in(
        Circle.objects.all(), AnonymousUser(), "acme", path="organization"
    ).exists()


@pytest.mark.django_db
def test_a_member_who_came_back_reads_each_row_once(world):
    """An earlier membership that ended stays as a row beside the current one:
    the join counts the current one only."""
    current = OrganizationMember.objects.get(user=world.member, left__isnull=True)
    OrganizationMember.objects.create(
        organization=current.organization,
        user=world.member,
        joined=current.joined,
        left=current.joined,
    )
    rows = selectors.read_in(Circle.objects.all(), world.member, "acme", path="organization")
    pks = list(rows.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)) == Circle.objects.filter(organization__slug="acme").count()
