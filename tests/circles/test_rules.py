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
            purpose="x" * limits.purpose,
            accountabilities=["a" * limits.item_length] * limits.items,
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
            ("purpose", "x" * (rules.ROLE_LIMITS.purpose + 1)),
            ("accountabilities", ["a"] * (rules.ROLE_LIMITS.items + 1)),
            ("domains", ["d" * (rules.ROLE_LIMITS.item_length + 1)]),
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


# Every action of the table, walked ---------------------------------------------

PERSONA = "org_member"  # in the organization, in no circle of the test, holds no role


def _cases(world, extra, leaver=None):
    """action -> (service kwargs, HTML request, API request) for the matrix's
    actions, and the three the matrix does not try."""
    from .test_authorization import ACTIONS, _requests

    sec = role_of(world.ops, "secretary")
    fac = role_of(world.ops, "facilitator")
    lead = role_of(world.ops, "leader")
    dele = role_of(world.ops, "delegate")
    olga = world.org_member
    leaver = leaver or olga
    c, api = "/o/acme/c/ops", "/api/v1/orgs/acme"
    kwargs = {
        "update_organization": {
            "organization": world.org,
            "name": "Acme 2",
            "language": "en",
            "public_log": False,
        },
        "set_org_admin": {"organization": world.org, "user": olga, "is_admin": True},
        "import_members": {"organization": world.org, "text": "new@example.org,New,ops"},
        "duplicate_circle": {"circle": world.ops, "name": "Ops copy"},
        "invite": {"circle": world.ops, "email": "new@example.org"},
        "revoke_invitation": {"invitation": extra.get("invitation")},
        "create_circle": {"parent": world.ops, "name": "Sub"},
        "update_circle": {"circle": world.ops, "name": "Ops 2", "aim": "Run things", "domains": []},
        "define_circle": {"circle": world.ops, "name": "Ops", "aim": "New", "domains": []},
        "finish_setup": {"circle": world.ops, "done": True},
        "reopen_setup": {"circle": world.ops, "done": False},
        "propose_circle_change": {"circle": world.ops, "target": "circle", "aim": "New"},
        "propose_role_change": {"circle": world.ops, "target": "new_role", "name": "Gardener"},
        "move_circle": {"circle": world.ops, "new_parent": extra.get("target")},
        "dissolve_circle": {"circle": world.ops, "reason": "done"},
        "add_member": {"circle": world.ops, "user": olga},
        "remove_member": {"circle": world.ops, "user": world.delegate},
        "leave_circle": {"circle": world.ops, "user": leaver},
        "create_role": {"circle": world.ops, "name": "Gardener"},
        "update_role": {"role": fac, "purpose": "New"},
        "assign_role": {"role": sec, "user": world.member},
        "appoint_leader": {"role": lead, "user": world.member},
        "assign_delegate": {"role": dele, "user": world.member},
        "end_assignment": {"assignment": extra.get("assignment"), "reason": "over"},
        "accept_delegate": {"assignment": extra.get("assignment")},
    }
    requests = {}
    for action in ACTIONS:
        _allowed, html, api_request = _requests(world, action, extra)
        requests[action] = (html, api_request)
    requests["leave_circle"] = (
        (f"{c}/members/{leaver.pk}/remove/", {}),
        ("post", f"{api}/circles/ops/members/{leaver.pk}/remove", {}),
    )
    # Renaming only: a change of the aim is "define_circle".
    requests["update_circle"] = (
        (f"{c}/edit/", {"name": "Ops 2", "aim": "Run things", "review_months": 12}),
        ("patch", f"{api}/circles/ops", {"name": "Ops 2"}),
    )
    requests["define_circle"] = (
        (f"{c}/edit/", {"name": "Ops", "aim": "New", "domains": "", "review_months": 12}),
        ("patch", f"{api}/circles/ops", {"aim": "New"}),
    )
    requests["finish_setup"] = (
        (f"{c}/setup/", {"done": "1"}),
        ("post", f"{api}/circles/ops/setup", {"done": True}),
    )
    requests["reopen_setup"] = (
        (f"{c}/setup/", {"done": "0"}),
        ("post", f"{api}/circles/ops/setup", {"done": False}),
    )
    requests["propose_circle_change"] = (
        (f"{c}/propose/?target=circle", {"aim": "New"}),
        ("post", f"{api}/circles/ops/changes", {"target": "circle", "aim": "New"}),
    )
    requests["propose_role_change"] = (
        (f"{c}/propose/?target=new_role", {"name": "Gardener"}),
        ("post", f"{api}/circles/ops/changes", {"target": "new_role", "name": "Gardener"}),
    )
    requests["assign_delegate"] = (
        (f"{c}/roles/{dele.pk}/assign/", {"user": world.member.pk}),
        ("post", f"{api}/roles/{dele.pk}/assign", {"user_id": world.member.pk}),
    )
    return {name: (kwargs[name], *requests[name]) for name in kwargs}


# What an administrator may still do once the circle is dissolved (they are not
# in the circle, so leaving it is refused by who, not by when).
OPEN_AFTER_DISSOLUTION = {
    "update_organization",
    "set_org_admin",
    "revoke_invitation",
    "import_members",  # allowed; a line naming the dissolved circle is an error
}

# Only an anonymous visitor is refused creating an organization: the page sends
# them to log in and the API answers 401, before any rule is asked.
SIGNED_IN_ONLY = {"create_organization"}


def _matrix_setup(world, action):
    from .test_authorization import _setup

    setups = {"leave_circle": "remove_member", "assign_delegate": "assign_role"}
    extra = _setup(world, setups.get(action, action))
    if action in ("end_assignment", "accept_delegate"):
        kind = "facilitator" if action == "end_assignment" else "delegate"
        extra["assignment"] = role_of(world.ops, kind).assignments.get(ended__isnull=True)
    return extra


class TestEveryActionIsOfferedAndRefusedAlike:
    def test_each_action_names_a_page_an_api_operation_and_a_service(self, client):
        from django.urls import reverse
        from django.urls.exceptions import NoReverseMatch

        from circles.urls import urlpatterns

        names = {f"circles:{p.name}" for p in urlpatterns}
        document = client.get("/api/v1/openapi.json").json()
        operations = {
            op["operationId"]: op
            for methods in document["paths"].values()
            for op in methods.values()
            if isinstance(op, dict) and "operationId" in op
        }
        for step in rules.RULES:
            assert step.extra["page"] in names, step.name
            with pytest.raises(NoReverseMatch):  # it exists, with its own arguments
                reverse(step.extra["page"], kwargs={"nothing": 1})
            operation = operations.get(step.extra["api"])
            assert operation is not None, step.name
            if step.input is not None:
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert body["$ref"].rsplit("/", 1)[-1] == step.input.__name__, step.name
            assert callable(step.call()), step.name

    def test_every_action_is_walked(self, world):
        walked = set(_cases(world, {})) | SIGNED_IN_ONLY
        assert walked == set(rules.RULES.steps)

    @pytest.mark.parametrize("refusal", ["who", "when"])
    @pytest.mark.parametrize("action", sorted(set(rules.RULES.steps) - SIGNED_IN_ONLY))
    def test_the_service_the_page_and_the_api_refuse_with_the_same_error(
        self, world, snap, action, refusal
    ):
        """``who``: a member of the organization without a role in the circle;
        ``when``: an administrator, once the circle is dissolved."""
        import json

        from django.test import Client
        from django.utils.html import escape

        from accounts.services import create_api_token
        from core.errors import DomainError

        from .test_authorization import _state

        extra = _matrix_setup(world, action)
        # Leaving is oneself's: once the circle is dissolved, a member tries.
        leaver = world.member if refusal == "when" else None
        kwargs, (url, data), (method, path, payload) = _cases(world, extra, leaver)[action]
        step = rules.RULES[action]
        user = getattr(world, PERSONA)
        if refusal == "when":
            user = leaver if action == "leave_circle" else world.admin
            services.dissolve_circle(circle=world.ops, by=world.admin, reason="Done")
            for value in kwargs.values():
                if hasattr(value, "refresh_from_db"):
                    value.refresh_from_db()
        verdict = rules.may(action, kwargs[step.extra["subject"]], user)
        if refusal == "when" and action in OPEN_AFTER_DISSOLUTION:
            assert verdict, action
            return
        assert not verdict, f"{action} is not refused ({refusal})"
        before = _state(world, snap)

        with pytest.raises(DomainError) as refused:
            step.call()(by=user, **kwargs)
        assert (refused.value.code, refused.value.message) == (
            verdict.error.code,
            verdict.message,
        )

        page = Client()
        page.force_login(user)
        response = page.post(url, data, follow=True)
        assert escape(verdict.message) in response.content.decode(), action

        _token, raw = create_api_token(user=user, name="walk")
        answer = getattr(Client(), method)(
            path,
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert answer.status_code == verdict.error.status, answer.content
        assert answer.json() == {"detail": verdict.message, "code": verdict.error.code}
        assert _state(world, snap) == before

    def test_creating_an_organization_needs_only_an_account(self, world):
        from core.errors import NotAllowed

        assert rules.may("create_organization", None, world.outsider)
        with pytest.raises(NotAllowed):
            services.create_organization(name="X", by=None)
