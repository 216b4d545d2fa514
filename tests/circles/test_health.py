"""Double-link rules and every health state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from circles import selectors, services
from circles.health import Health, double_link_health, health_by_circle
from circles.models import RoleAssignment
from core.errors import Invalid

from .conftest import accept_delegate, role_of


def both(circle):
    """The single-circle check and the whole-organization one agree."""
    one = double_link_health(circle)
    assert health_by_circle(circle.organization)[circle.pk] == one
    return one


class TestDoubleLinkRules:
    def test_leader_and_delegate_must_be_two_people(self, world, snap):
        before = snap(world.org)
        with pytest.raises(Invalid, match="Double-link rule") as exc:
            services.assign_role(
                role=role_of(world.ops, "delegate"), user=world.leader, by=world.admin
            )
        assert "two different people" in str(exc.value)
        with pytest.raises(Invalid, match="Double-link rule"):
            services.assign_role(
                role=role_of(world.ops, "leader"), user=world.delegate, by=world.admin
            )
        assert snap(world.org) == before

    def test_link_roles_open_both_memberships_each_recorded(self, world):
        child = services.create_circle(parent=world.ops, name="Child", by=world.admin)
        services.assign_role(role=role_of(child, "leader"), user=world.org_member, by=world.admin)
        assert selectors.is_circle_member(world.org_member, child)
        assert selectors.is_circle_member(world.org_member, world.ops)
        joined = [
            d.circle
            for d in world.org.decisions.filter(record__action="member_added").order_by("sequence")
        ][-2:]
        assert joined == [child, world.ops]

    def test_the_root_circle_has_no_link(self, world):
        assert double_link_health(world.root) is None
        assert world.root.pk not in health_by_circle(world.org)


class TestHealthStates:
    def test_complete_once_the_parent_accepted_the_delegate(self, world):
        assert both(world.ops) == Health.AWAITING_ACCEPTANCE
        accept_delegate(world)
        assert both(world.ops) == Health.COMPLETE

    def test_awaiting_the_parent_acceptance_of_the_delegate(self, world, client):
        """The circle chose its delegate; until the parent circle accepts them
        the link is not complete (issue 17): the circle page says so too."""
        child = services.create_circle(parent=world.ops, name="Child", slug="child", by=world.admin)
        services.assign_role(role=role_of(child, "leader"), user=world.member, by=world.admin)
        services.add_member(circle=child, user=world.org_member, by=world.admin)
        delegate = services.assign_role(
            role=role_of(child, "delegate"), user=world.org_member, by=world.admin
        )
        assert both(child) == Health.AWAITING_ACCEPTANCE
        client.force_login(world.admin)
        page = client.get("/o/acme/c/child/").content.decode()
        assert 'data-health="awaiting_acceptance"' in page
        assert "has not recorded its acceptance yet" in page
        services.accept_delegate(assignment=delegate, by=world.admin)
        assert both(child) == Health.COMPLETE

    def test_missing_leader(self, world):
        child = services.create_circle(parent=world.ops, name="Child", by=world.admin)
        assert both(child) == Health.MISSING_LEADER

    def test_missing_delegate(self, world):
        child = services.create_circle(parent=world.ops, name="Child", by=world.admin)
        services.assign_role(role=role_of(child, "leader"), user=world.member, by=world.admin)
        assert both(child) == Health.MISSING_DELEGATE

    def test_same_person(self, world):
        # The services refuse it; older data (or an import) may still hold it.
        delegate = selectors.current_assignments(role_of(world.ops, "delegate")).get()
        delegate.ended = timezone.now()
        delegate.save(update_fields=["ended"])
        today = timezone.localdate()
        RoleAssignment.objects.create(
            role=role_of(world.ops, "delegate"),
            user=world.leader,
            term_start=today,
            term_end=today + timedelta(days=30),
        )
        assert both(world.ops) == Health.SAME_PERSON

    def test_term_expired(self, world):
        today = timezone.localdate()
        services.assign_role(
            role=role_of(world.ops, "delegate"),
            user=world.member,
            by=world.leader,
            term_start=today - timedelta(days=400),
            term_end=today - timedelta(days=1),
        )
        assert both(world.ops) == Health.TERM_EXPIRED

    def test_not_member_of_both(self, world):
        services.remove_member(circle=world.root, user=world.delegate, by=world.admin)
        assert both(world.ops) == Health.NOT_MEMBER_OF_BOTH

    def test_the_circle_page_says_it_in_words(self, world, client):
        client.force_login(world.member)
        page = client.get("/o/acme/c/ops/").content.decode()
        assert 'data-health="awaiting_acceptance"' in page
        assert "has not recorded its acceptance yet" in page
        accept_delegate(world)
        child = services.create_circle(parent=world.ops, name="Child", slug="child", by=world.admin)
        client.force_login(world.member)
        page = client.get("/o/acme/c/child/").content.decode()
        assert 'data-health="missing_leader"' in page
        assert "the parent circle has not appointed one yet" in page
        page = client.get("/o/acme/c/ops/").content.decode()
        assert 'data-health="complete"' in page
        assert child.name in page
