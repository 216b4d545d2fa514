"""A step several roles may take is refused naming every one of them, the same
through the service, the rule and the API (core.steps.refusal)."""

import json

import pytest
from django.test import Client
from django.utils import translation

from accounts.services import create_api_token
from circles import rules, selectors, services
from core.errors import NotAllowed
from core.steps import either

from .conftest import role_of


def _api(user, method, path, payload):
    _token, raw = create_api_token(user=user, name="test")
    return getattr(Client(), method)(
        path,
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


class TestEveryRoleIsNamed:
    def test_editing_a_role_names_the_leader_an_admin_and_the_facilitator(self, world, snap):
        role = role_of(world.ops, "secretary")
        before = snap(world.org)
        with pytest.raises(NotAllowed) as refused:
            services.update_role(role=role, by=world.member, purpose="Takes notes")
        message = refused.value.message
        assert message == (
            "“Edit the role”: only the circle's leader, an administrator or the circle's "
            "facilitator may take this step."
        )
        assert rules.may("update_role", role, world.member).message == message
        assert snap(world.org) == before
        response = _api(
            world.member, "patch", f"/api/v1/orgs/acme/roles/{role.pk}", {"purpose": "x"}
        )
        assert response.status_code == 403
        assert response.json()["detail"] == message
        assert snap(world.org) == before

    def test_ending_a_term_names_the_three_roles(self, world, snap):
        assignment = selectors.current_assignments(role_of(world.ops, "facilitator")).get()
        before = snap(world.org)
        with pytest.raises(NotAllowed) as refused:
            services.end_assignment(assignment=assignment, by=world.member, reason="")
        assert refused.value.message == (
            "“End the term”: only the circle's leader, an administrator, the holder of the "
            "role or the parent circle's leader may take this step."
        )
        assert snap(world.org) == before

    def test_one_role_keeps_its_own_message(self, world):
        verdict = rules.may("create_role", world.ops, world.member)
        assert verdict.message == "Only the circle's leader or an administrator may do this."

    def test_in_french(self, world):
        with translation.override("fr"):
            message = rules.may("update_role", role_of(world.ops, "secretary"), world.member)
            message = message.message
        assert "administrateur" in message or "administratrice" in message
        assert "Only" not in message and "may take" not in message


def test_either_joins_with_commas_and_or():
    assert either(["a"]) == "a"
    assert either(["a", "b"]) == "a or b"
    assert either(["a", "b", "c"]) == "a, b or c"
