"""The API keeps its published contract: schemathesis generates requests from
/api/v1/openapi.json for every operation and sends them to the app in
process (WSGI), as the admin of the seeded demo collective with a real bearer
token. Every answer must be no server error, a documented status, and a body
matching its documented schema. Bounded: a few examples per operation."""

import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import create_api_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def documented_input_is_accepted(ctx, response, case):
    """Input generated from the document is never refused for its shape (422):
    the published request body is the one the server reads."""
    if response.status_code == 422:
        raise AssertionError(f"422 for documented input: {response.text[:300]}")


CHECKS.append(documented_input_is_accepted)
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "4"))


@pytest.fixture
def app(db):
    """The WSGI app, answering inside the test's transaction (as Django's test
    client does: no connection closed at the end of a request)."""
    from config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _real_ids(org) -> dict[str, list]:
    """Path values that name things of the seeded organization, by parameter name."""
    from circles.models import Circle, Role, RoleAssignment
    from elections.models import Election
    from proposals.models import Objection, Proposal, Response
    from realtime.models import AgendaItem, Meeting
    from tensions.models import Tension

    def ids(qs):
        return list(qs.values_list("pk", flat=True)[:20])

    return {
        "circle": list(Circle.objects.filter(organization=org).values_list("slug", flat=True)),
        "proposal_id": ids(Proposal.objects.filter(circle__organization=org)),
        "election_id": ids(Election.objects.filter(circle__organization=org)),
        "meeting_id": ids(Meeting.objects.filter(circle__organization=org)),
        "item_id": ids(AgendaItem.objects.filter(meeting__circle__organization=org)),
        "role_id": ids(Role.objects.filter(circle__organization=org)),
        "assignment_id": ids(RoleAssignment.objects.filter(role__circle__organization=org)),
        "objection_id": ids(Objection.objects.filter(proposal__circle__organization=org)),
        "response_id": ids(Response.objects.all()),
        "user_id": list(org.members.values_list("user_id", flat=True)),
        "seq": list(org.decisions.values_list("sequence", flat=True)[:20]),
        "tension_id": ids(Tension.objects.filter(organization=org)),
    }


def _examples(operation, headers, slug, real, figures, failures):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        figures["examples"] += 1
        params = case.path_parameters or {}
        for name, value in list(params.items()):
            pick = zlib.crc32(str(value).encode())
            if name == "org":
                params[name] = slug
            elif real.get(name) and pick % 3:
                # Two in three name a real thing, the rest stay as generated.
                params[name] = real[name][pick % len(real[name])]
        # Each example starts from the seeded state.
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                status = f"{response.status_code // 100}xx"
                figures[status] = figures.get(status, 0) + 1
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label}: {exc}"[:1500])
            transaction.set_rollback(True)

    return run


def test_every_operation_keeps_its_contract(app):
    from circles.models import Organization

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    org = Organization.objects.order_by("pk").first()
    admin = org.members.filter(is_admin=True).first().user
    real = _real_ids(org)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    figures = {"operations": 0, "examples": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        # A fresh token per operation: revoking one's own token is an operation too.
        _token, raw = create_api_token(user=admin, name="contract")
        headers = {"Authorization": f"Bearer {raw}"}

        _examples(operation, headers, org.slug, real, figures, failures)()
    figures["failures"] = len(failures)
    print("\nschemathesis:", figures)
    assert not failures, "\n\n".join(failures)
