"""The structure rules declared once in ``circles.rules``: role limits and the
double link, the same for the services, the elections and the health check."""

import pytest

from circles import rules, services
from circles.models import Role
from core.errors import Invalid

from .conftest import role_of


class TestRoleLimits:
    def test_it_accepts_a_role_at_the_limits(self):
        limits = rules.ROLE_LIMITS
        cleaned = rules.validate_role_definition(
            description="x" * limits.description,
            qualifications=["q" * limits.qualification_length] * limits.qualifications,
            default_term_months=limits.term_months_max,
        )
        assert len(cleaned["qualifications"]) == limits.qualifications
        assert cleaned["default_term_months"] == limits.term_months_max

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("qualifications", ["q"] * (rules.ROLE_LIMITS.qualifications + 1)),
            ("qualifications", ["q" * (rules.ROLE_LIMITS.qualification_length + 1)]),
            ("description", "x" * (rules.ROLE_LIMITS.description + 1)),
            ("default_term_months", rules.ROLE_LIMITS.term_months_max + 1),
            ("default_term_months", 0),
            ("default_term_months", "twelve"),
            ("name", " "),
        ],
    )
    def test_it_refuses_beyond_the_limits_naming_the_field(self, field, value):
        with pytest.raises(Invalid) as exc:
            rules.validate_role_definition(**{field: value})
        assert exc.value.field == field

    def test_it_leaves_out_what_is_not_given(self):
        assert rules.validate_role_definition(qualifications="a\n\n b ") == {
            "qualifications": ["a", "b"]
        }

    def test_the_service_refuses_with_the_same_message(self, world, snap):
        too_many = ["q"] * (rules.ROLE_LIMITS.qualifications + 1)
        with pytest.raises(Invalid) as expected:
            rules.validate_role_definition(qualifications=too_many)
        before = snap(world.org)
        with pytest.raises(Invalid) as exc:
            services.update_role(
                role=role_of(world.ops, "facilitator"), by=world.leader, qualifications=too_many
            )
        assert exc.value.message == expected.value.message
        assert snap(world.org) == before


class TestDoubleLink:
    def test_the_holder_of_the_other_link_role_is_refused(self, world):
        message = rules.link_conflict(world.ops, Role.Kind.DELEGATE, world.leader)
        assert "Double-link rule" in message and world.leader.name in message
        assert rules.link_conflict(world.ops, Role.Kind.LEADER, world.delegate)
        with pytest.raises(Invalid) as exc:
            rules.check_double_link(world.ops, Role.Kind.LEADER, world.delegate, field="nominee")
        assert exc.value.field == "nominee"

    def test_anyone_else_and_other_roles_pass(self, world):
        assert rules.link_conflict(world.ops, Role.Kind.DELEGATE, world.member) is None
        assert rules.link_conflict(world.ops, Role.Kind.FACILITATOR, world.leader) is None
        assert rules.link_conflict(world.ops, Role.Kind.DELEGATE, world.delegate) is None

    def test_a_link_role_of_a_child_circle_needs_both_circles(self, world):
        assert rules.link_circles(role_of(world.ops, "leader")) == [world.ops, world.root]
        assert rules.link_circles(role_of(world.ops, "facilitator")) == [world.ops]
        assert rules.link_circles(role_of(world.root, "leader")) == [world.root]

    def test_only_an_open_unaccepted_delegate_can_be_accepted(self, world):
        delegate = role_of(world.ops, "delegate").assignments.get(ended__isnull=True)
        assert rules.acceptance_refusal(delegate) is None
        leader = role_of(world.ops, "leader").assignments.get(ended__isnull=True)
        assert isinstance(rules.acceptance_refusal(leader), Invalid)
        services.accept_delegate(assignment=delegate, by=world.admin)
        delegate.refresh_from_db()
        assert rules.acceptance_refusal(delegate).code == "conflict"
