"""Structure changes through the services: each is a decision, the chain verifies."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from circles import selectors, services
from circles.models import Circle, Membership, Organization, Role
from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import verify_log

from .conftest import role_of


def last(org) -> Decision:
    return Decision.objects.filter(organization=org).order_by("-sequence").first()


class TestOrganizations:
    def test_it_creates_the_org_with_its_admin_and_root_circle(self, make_user):
        ada = make_user("ada")
        org = services.create_organization(name="Coop Douar", by=ada)
        assert org.slug == "coop-douar"
        root = selectors.root_circle(org)
        assert root.name == "Coop Douar" and root.parent is None
        assert selectors.is_org_admin(ada, org)
        assert selectors.is_circle_member(ada, root)
        assert set(Role.objects.filter(circle=root).values_list("kind", flat=True)) == {
            "leader",
            "facilitator",
            "secretary",
        }
        decision = last(org)
        assert decision.kind == "structure" and decision.record["action"] == "organization_created"
        assert verify_log(organization_id=org.pk).ok

    def test_it_refuses_a_duplicate_org_slug(self, make_user):
        ada = make_user("ada")
        services.create_organization(name="Coop", slug="coop", by=ada)
        with pytest.raises(Invalid, match="taken"):
            services.create_organization(name="Coop 2", slug="coop", by=ada)
        assert Organization.objects.filter(slug="coop").count() == 1

    def test_it_updates_settings_as_a_decision(self, world):
        services.update_organization(
            organization=world.org, by=world.admin, name="Acme SCIC", language="fr", public_log=True
        )
        world.org.refresh_from_db()
        assert (world.org.name, world.org.language, world.org.public_log) == (
            "Acme SCIC",
            "fr",
            True,
        )
        assert last(world.org).record["action"] == "organization_updated"

    def test_it_refuses_settings_from_a_non_admin(self, world, snap):
        before = snap(world.org)
        with pytest.raises(NotAllowed):
            services.update_organization(
                organization=world.org, by=world.leader, name="X", language="en", public_log=True
            )
        assert snap(world.org) == before

    def test_it_keeps_the_last_admin(self, world, snap):
        before = snap(world.org)
        with pytest.raises(Conflict):
            services.set_org_admin(
                organization=world.org, user=world.admin, is_admin=False, by=world.admin
            )
        assert snap(world.org) == before


class TestCircles:
    def test_it_creates_renames_moves_and_dissolves_each_as_a_decision(self, world):
        org, admin = world.org, world.admin
        sub = services.create_circle(parent=world.ops, name="Night shift", by=world.leader)
        assert last(org).record["action"] == "circle_created"
        services.update_circle(circle=sub, by=world.leader, name="Nights", aim="Watch", domains=[])
        assert last(org).record["action"] == "circle_updated"
        assert last(org).title.endswith("“Nights”")
        services.move_circle(circle=sub, new_parent=world.root, by=admin)
        sub.refresh_from_db()
        assert sub.parent == world.root and last(org).record["action"] == "circle_moved"
        services.dissolve_circle(circle=sub, by=admin, reason="Merged into Ops")
        sub.refresh_from_db()
        assert sub.dissolved is not None and last(org).record["action"] == "circle_dissolved"
        assert Circle.objects.filter(pk=sub.pk).exists()  # kept, not deleted
        assert all(
            d.kind == "structure"
            for d in Decision.objects.filter(organization=org, sequence__gt=1)
            if d.record.get("action", "").startswith("circle_")
        )
        assert verify_log(organization_id=org.pk).ok

    def test_it_keeps_a_dissolved_circle_read_only(self, world, snap):
        sub = services.create_circle(parent=world.ops, name="Temp", by=world.admin)
        services.dissolve_circle(circle=sub, by=world.admin, reason="Done")
        before = snap(world.org)
        with pytest.raises(Conflict, match="dissolved"):
            services.add_member(circle=sub, user=world.member, by=world.admin)
        with pytest.raises(Conflict):
            services.update_circle(circle=sub, by=world.admin, name="Again", aim="", domains=[])
        assert snap(world.org) == before

    def test_it_refuses_to_move_a_circle_under_itself_or_a_descendant(self, world, snap):
        child = services.create_circle(parent=world.ops, name="Child", by=world.admin)
        grandchild = services.create_circle(parent=child, name="Grandchild", by=world.admin)
        before = snap(world.org)
        for target in (world.ops, child, grandchild):
            with pytest.raises(Invalid, match="under itself or under one of its sub-circles"):
                services.move_circle(circle=world.ops, new_parent=target, by=world.admin)
        assert snap(world.org) == before

    def test_it_refuses_to_move_the_root_or_across_organizations(self, world, snap):
        before = snap(world.org)
        # The root circle is a condition of circles.rules' table: a conflict.
        with pytest.raises(Conflict, match="root circle"):
            services.move_circle(circle=world.root, new_parent=world.ops, by=world.admin)
        other_root = selectors.root_circle(world.other_org)
        with pytest.raises((Invalid, NotAllowed)):
            services.move_circle(circle=world.ops, new_parent=other_root, by=world.admin)
        assert snap(world.org) == before

    def test_it_refuses_a_duplicate_circle_slug(self, world, snap):
        before = snap(world.org)
        with pytest.raises(Invalid, match="short name"):
            services.create_circle(parent=world.root, name="Ops again", slug="ops", by=world.admin)
        assert snap(world.org) == before

    def test_the_database_refuses_a_second_root_circle(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            Circle.objects.create(organization=world.org, name="Second root", slug="second")
        assert Circle.objects.filter(organization=world.org, parent__isnull=True).count() == 1

    def test_it_refuses_to_dissolve_without_a_reason_or_with_open_children(self, world, snap):
        child = services.create_circle(parent=world.ops, name="Child", by=world.admin)
        before = snap(world.org)
        with pytest.raises(Invalid):
            services.dissolve_circle(circle=child, by=world.admin, reason="")
        with pytest.raises(Conflict, match="sub-circles"):
            services.dissolve_circle(circle=world.ops, by=world.admin, reason="Why not")
        # The root circle is a condition of circles.rules' table: a conflict.
        with pytest.raises(Conflict, match="root circle"):
            services.dissolve_circle(circle=world.root, by=world.admin, reason="Everything")
        assert snap(world.org) == before

    def test_the_tree_can_be_deep(self, world):
        parent = world.ops
        for depth in range(8):
            parent = services.create_circle(parent=parent, name=f"Level {depth}", by=world.admin)
        assert len(selectors.ancestors(parent)) == 9


class TestMemberships:
    def test_it_adds_and_removes_with_history(self, world):
        services.add_member(circle=world.ops, user=world.org_member, by=world.leader)
        assert last(world.org).record["action"] == "member_added"
        services.remove_member(circle=world.ops, user=world.org_member, by=world.leader)
        assert last(world.org).record["action"] == "member_removed"
        past = selectors.memberships(world.ops, current=False)
        assert [m.user for m in past] == [world.org_member]
        assert past[0].left is not None
        services.add_member(circle=world.ops, user=world.org_member, by=world.leader)
        assert Membership.objects.filter(circle=world.ops, user=world.org_member).count() == 2
        assert verify_log(organization_id=world.org.pk).ok

    def test_it_refuses_someone_outside_the_organization(self, world, snap):
        before = snap(world.org)
        with pytest.raises(Invalid, match="not a member of the organization"):
            services.add_member(circle=world.ops, user=world.outsider, by=world.admin)
        assert snap(world.org) == before

    def test_the_database_refuses_two_open_memberships(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(circle=world.ops, user=world.member)


class TestRoles:
    def test_it_creates_and_updates_a_custom_role(self, world):
        role = services.create_role(
            circle=world.ops,
            name="Gardener",
            by=world.leader,
            accountabilities=["Waters plants"],
            default_term_months=6,
            qualifications="Patient\nGreen thumb\n",
        )
        assert role.kind == "custom" and role.qualifications == ["Patient", "Green thumb"]
        services.update_role(
            role=role, by=world.leader, accountabilities="Waters and prunes\nFeeds"
        )
        role.refresh_from_db()
        assert role.accountabilities == ["Waters and prunes", "Feeds"]
        assert last(world.org).record["action"] == "role_updated"

    def test_it_assigns_with_a_term_and_ends_it_recorded(self, world):
        role = role_of(world.ops, "secretary")
        a = services.assign_role(role=role, user=world.member, by=world.leader)
        assert a.term_end == services.default_term_end(role, a.term_start)
        assert a.decision.kind == "appointment"
        services.end_assignment(assignment=a, by=world.leader, reason="Moved away")
        a.refresh_from_db()
        assert a.ended is not None and a.end_reason == "Moved away"
        assert last(world.org).record["action"] == "role_ended"
        assert verify_log(organization_id=world.org.pk).ok

    def test_it_refuses_a_role_for_someone_outside_the_organization(self, world, snap):
        before = snap(world.org)
        with pytest.raises(Invalid, match="not a member of the organization"):
            services.assign_role(
                role=role_of(world.ops, "secretary"), user=world.other_member, by=world.admin
            )
        assert snap(world.org) == before

    def test_the_leader_is_appointed_by_the_parent_circle(self, world):
        a = services.assign_role(
            role=role_of(world.ops, "leader"), user=world.member, by=world.admin
        )
        assert a.decision.kind == "appointment" and a.decision.circle == world.root

    def test_the_circles_own_leader_cannot_appoint_its_successor(self, world, snap):
        before = snap(world.org)
        with pytest.raises(NotAllowed, match="parent circle"):
            services.assign_role(
                role=role_of(world.ops, "leader"), user=world.member, by=world.leader
            )
        assert snap(world.org) == before

    def test_it_records_the_parent_acceptance_of_the_delegate(self, world):
        a = selectors.current_assignments(role_of(world.ops, "delegate")).get()
        services.accept_delegate(assignment=a, by=world.admin)
        a.refresh_from_db()
        assert a.parent_acceptance.circle == world.root
        assert a.parent_acceptance.record["action"] == "delegate_accepted"
        with pytest.raises(Conflict):
            services.accept_delegate(assignment=a, by=world.admin)

    def test_terms_ending_lists_soon_and_expired_terms(self, world):
        today = timezone.localdate()
        role = services.create_role(circle=world.ops, name="Treasurer", by=world.leader)
        services.assign_role(
            role=role,
            user=world.member,
            by=world.leader,
            term_start=today - timedelta(days=100),
            term_end=today + timedelta(days=10),
        )
        ending = selectors.terms_ending(world.org)
        assert [(a.role.name, a.user) for a in ending] == [("Treasurer", world.member)]
