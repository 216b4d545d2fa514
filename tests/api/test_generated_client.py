"""A client generated from the OpenAPI document alone runs both processes.

``DocumentClient`` knows nothing of Cercle but /api/v1/openapi.json: each call
names an ``operationId``; the method and path, the path and query parameters,
the ``Idempotency-Key`` header and the request body all come from the
document (a body key the schema does not declare, a missing required one or a
value of the wrong type fails here, before anything is sent), and every answer
must have a documented status and match its documented schema. There is no
path written in this file.

People get their personal tokens as they would on the profile page; everything
else goes through the API: an organization, a circle, invitations (read from
the email), the facilitator's role, then a consent proposal with an objection
integrated into a new revision and adopted, and a selection to its recorded
decision. The decision rows are asserted in the database.
"""

import re
import uuid
from datetime import timedelta

import jsonschema_rs
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from circles.models import RoleAssignment
from decisions.models import Decision
from decisions.services import verify_log

NAMES = ("ada", "fay", "ana", "bo", "cy")  # ada: the administrator, fay: the facilitator


class DocumentClient:
    """Requests built from the document only."""

    def __init__(self, http: Client, document: dict):
        self.http = http
        self.document = document
        self.operations = {
            operation["operationId"]: (method, path, operation)
            for path, methods in document["paths"].items()
            for method, operation in methods.items()
        }

    def _schema(self, schema: dict) -> dict:
        # The document's components travel with the schema, so its $refs resolve.
        return {**schema, "components": self.document["components"]}

    def call(self, operation_id: str, token: str, body: dict | None = None, **params):
        method, path, operation = self.operations[operation_id]
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        unknown = set(params) - {n for n, p in declared.items() if p["in"] in ("path", "query")}
        assert not unknown, f"{operation_id} declares no parameter {sorted(unknown)}"
        query, headers = {}, {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for name, parameter in declared.items():
            if parameter["in"] == "path":
                assert name in params, f"{operation_id} needs the path parameter {name}"
                path = path.replace("{" + name + "}", str(params[name]))
            elif parameter["in"] == "query" and name in params:
                query[name] = params[name]
            elif parameter["in"] == "header" and name == "Idempotency-Key":
                headers["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4())
        kwargs = {}
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            body = body or {}
            jsonschema_rs.validate(self._schema(schema), body)  # the document's body, typed
            target = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            extra = set(body) - set(target.get("properties", {}))
            assert not extra, f"{operation_id}'s body declares no {sorted(extra)}"
            kwargs = {"data": body, "content_type": "application/json"}
        else:
            assert body is None, f"{operation_id} declares no body"
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        response = getattr(self.http, method)(path, **kwargs, **headers)
        documented = operation["responses"]
        assert str(response.status_code) in documented, (operation_id, response.status_code)
        assert response.status_code < 400, (operation_id, response.content[:500])
        content = documented[str(response.status_code)].get("content", {})
        if "application/json" in content:
            data = response.json()
            jsonschema_rs.validate(self._schema(content["application/json"]["schema"]), data)
            return data
        return None


@pytest.fixture
def world(make_user, client):
    """Five people with a token each, then everything else through the API."""
    people, tokens = {}, {}
    for name in NAMES:
        people[name] = make_user(name)
        tokens[name] = create_api_token(user=people[name], name="generated client")[1]
    document = client.get("/api/v1/openapi.json").json()
    return people, tokens, DocumentClient(Client(), document)


def _set_up_the_circle(api, tokens, capture) -> tuple[str, str, dict]:
    """ada founds the organization and its Bakery circle and invites the others;
    each accepts from the email; fay becomes the circle's facilitator."""
    ada = tokens["ada"]
    org = api.call("create_organization", ada, {"name": "Generated", "slug": "generated"})
    slug = org["slug"]
    root = api.call("list_circles", ada, org=slug)[0]["slug"]
    circle = api.call(
        "create_circle", ada, {"parent": root, "name": "Bakery", "slug": "bakery"}, org=slug
    )["slug"]
    for name in NAMES[1:]:
        with capture(execute=True):
            api.call("create_invitation", ada, {"email": f"{name}@example.org", "circle": circle},
                     org=slug)  # fmt: skip
        link = re.search(r"/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)
        api.call("accept_invitation", tokens[name], {"token": link})
    ids = {name: api.call("get_me", tokens[name])["id"] for name in NAMES}
    roles = {r["kind"]: r["id"] for r in api.call("list_roles", ada, org=slug, circle=circle)}
    api.call("assign_role", ada, {"user_id": ids["fay"]}, org=slug, role_id=roles["facilitator"])
    return slug, circle, {"ids": ids, "roles": roles}


def _token_of(tokens, ids):
    by_id = {ids[name]: tokens[name] for name in ids}
    return lambda person: by_id[person["id"]]


@pytest.mark.django_db
def test_a_generated_client_runs_a_consent_proposal_and_a_selection(
    world, django_capture_on_commit_callbacks
):
    people, tokens, api = world
    slug, circle, found = _set_up_the_circle(api, tokens, django_capture_on_commit_callbacks)
    ids, roles = found["ids"], found["roles"]
    token_of = _token_of(tokens, ids)
    fay, ana = tokens["fay"], tokens["ana"]
    review = (timezone.localdate() + timedelta(days=365)).isoformat()

    # A consent proposal, an objection, integrated into revision 2, adopted.
    body = {"circle": circle, "title": "Sourdough", "body": "We bake sourdough on Fridays."}
    proposal = api.call("create_proposal", ana, body, org=slug)
    at = {"org": slug, "proposal_id": proposal["id"]}
    api.call("present_proposal", fay, **at)
    api.call("open_reactions_round", fay, {"mode": "reveal"}, **at)
    api.call("close_round", fay, **at)
    state = api.call("open_consent_round", fay, {"mode": "reveal"}, **at)
    speakers = state["round"]["speakers"]
    assert {s["id"] for s in speakers} >= {ids["fay"], ids["ana"], ids["bo"], ids["cy"]}
    for speaker in speakers:
        if speaker["id"] == ids["bo"]:
            answer = {"kind": "object", "text": "Fridays clash with the market."}
        else:
            answer = {"kind": "consent", "text": "", "concern": ""}
        api.call("answer_round", token_of(speaker), answer, **at)
    state = api.call("acknowledge", fay, {"review_date": review}, **at)
    assert state["state"] == "objections"
    objection = state["objections"][0]
    assert objection["member"]["id"] == ids["bo"] and objection["state"] == "open"
    api.call("amend_proposal", ana, {"body": "We bake sourdough on Thursdays.",
                                     "change_note": "Not on market day."}, **at)  # fmt: skip
    api.call(
        "resolve_objection",
        fay,
        {"resolution": "integrated", "revision": 2, "reason": "Moved to Thursdays."},
        objection_id=objection["id"],
        **at,
    )
    state = api.call("open_consent_round", fay, {"mode": "reveal", "revision": 2}, **at)
    for speaker in state["round"]["speakers"]:
        api.call("answer_round", token_of(speaker), {"kind": "consent"}, **at)
    state = api.call("acknowledge", fay, {"review_date": review}, **at)
    assert state["state"] == "adopted" and state["decision"]

    policy = Decision.objects.get(organization__slug=slug, sequence=state["decision"])
    assert policy.kind == Decision.Kind.POLICY
    assert policy.body == "We bake sourdough on Thursdays."
    assert [(o["member"]["id"], o["state"]) for o in policy.record["objections"]] == [
        (ids["bo"], "integrated")
    ]
    entry = api.call("get_decision", tokens["cy"], org=slug, seq=policy.sequence)
    assert entry["hash"] == policy.hash

    # A selection without candidates: the secretary, cy nominated, consented, selected.
    election = api.call("open_election", fay, {"role": roles["secretary"]}, org=slug)
    at = {"org": slug, "election_id": election["id"]}
    api.call("start_nominating", fay, **at)
    members = api.call("list_members", fay, org=slug, circle=circle)
    for member in members:
        nomination = {"nominee": ids["cy"], "reason": "Cy keeps good notes."}
        api.call("nominate", token_of(member["user"]), nomination, **at)
    api.call("show_nominations", fay, **at)
    api.call("start_proposing", fay, **at)
    term_end = (timezone.localdate() + timedelta(days=300)).isoformat()
    proposed = {"nominee": ids["cy"], "term_end": term_end, "reason": "Everyone named Cy."}
    assert api.call("propose_nominee", fay, proposed, **at)["state"] == "consent"
    round_ = api.call("get_election_round", fay, **at)
    assert round_["speakers"][-1]["member"]["id"] == ids["cy"]  # the nominee answers last
    for speaker in round_["speakers"]:
        answer = {"kind": "consent", "text": "", "concern": ""}
        api.call("answer_consent_round", token_of(speaker["member"]), answer, **at)
    elected = api.call("elect", fay, **at)
    assert elected["state"] == "elected" and elected["decision"]

    selection = Decision.objects.get(organization__slug=slug, sequence=elected["decision"])
    assert selection.kind == Decision.Kind.SELECTION
    assert RoleAssignment.objects.filter(
        role_id=roles["secretary"], user=people["cy"], ended__isnull=True
    ).exists()
    assert verify_log(organization_id=policy.organization_id).ok
