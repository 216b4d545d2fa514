"""The OpenAPI document tells the truth a client is generated from: one name
for one schema, the one error schema on every operation, enums for closed
sets, the Idempotency-Key header and the log's filters declared."""

import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from config.api import ERROR_RESPONSES, api

PROJECT = {"accounts", "circles", "config", "core", "decisions", "elections", "logbook"}
PROJECT |= {"proposals", "realtime"}
ACTION_TAGS = {"proposals", "elections", "meetings"}
NO_KEY = {"schedule_meeting", "join_meeting"}


@pytest.fixture(scope="module")
def doc():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _operations(doc):
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _models(tp, found):
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in found[tp.__name__] or tp in found["(ninja)"]:
            return
        # django-ninja's own wrappers (the body, the response) are not components.
        ours = tp.__module__.split(".")[0] in PROJECT
        found[tp.__name__ if ours else "(ninja)"].add(tp)
        for field in tp.model_fields.values():
            _models(field.annotation, found)
        return
    for arg in typing.get_args(tp):
        _models(arg, found)


def test_no_two_schema_classes_share_a_name():
    """django-ninja names a component by its class name: two classes of one
    name would publish one of them for both."""
    found = defaultdict(set)
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _models(model, found)
    found.pop("(ninja)", None)
    shared = {name: sorted(c.__module__ for c in classes) for name, classes in found.items()}
    assert {n: m for n, m in shared.items() if len(m) > 1} == {}
    assert len(found) > 40


def test_every_operation_has_a_unique_id(doc):
    ids = [op["operationId"] for _p, _m, op in _operations(doc)]
    assert len(ids) == len(set(ids)) > 100


def test_every_operation_declares_the_one_error_schema(doc):
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}
    for path, method, operation in _operations(doc):
        for status in ERROR_RESPONSES:
            response = operation["responses"].get(str(status))
            assert response, (method, path, status)
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def _property(doc, schema_name, field):
    schema = doc["components"]["schemas"][schema_name]["properties"][field]
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    return schema


@pytest.mark.parametrize(
    ("schema", "field", "values"),
    [
        ("ProposalSummaryOut", "state", {"draft", "consent", "objections", "adopted"}),
        ("ProposalRoundOut", "mode", {"in_turn", "reveal"}),
        ("ProposalRoundOut", "kind", {"clarifying", "reaction", "consent"}),
        ("ResponseOut", "kind", {"question", "reaction", "consent", "object", "pass"}),
        ("ObjectionOut", "state", {"open", "integrated", "withdrawn", "dropped"}),
        ("ProposalAnswerIn", "kind", {"consent", "object", "pass"}),
        ("ResolveIn", "resolution", {"integrated", "dropped", "withdrawn"}),
        ("RoundIn", "mode", {"in_turn", "reveal"}),
        ("ElectionOut", "state", {"setup", "nominating", "consent", "elected"}),
        ("SelectionAnswerIn", "kind", {"consent", "object"}),
        ("SelectionRoundOut", "mode", {"in_turn", "reveal"}),
        ("RoleOut", "kind", {"leader", "delegate", "facilitator", "secretary", "custom"}),
        ("DecisionOut", "kind", {"policy", "selection", "minutes"}),
        ("MeetingOut", "state", {"scheduled", "open", "closed"}),
        ("AgendaItemIn", "kind", {"proposal", "election", "report", "other"}),
    ],
)
def test_closed_sets_are_enums(doc, schema, field, values):
    enum = _property(doc, schema, field).get("enum")
    assert enum and values <= set(enum), (schema, field, enum)


def test_every_action_declares_the_idempotency_key(doc):
    missing = []
    for _path, method, operation in _operations(doc):
        if method == "get" or not ACTION_TAGS & set(operation.get("tags", ())):
            continue
        if operation["operationId"] in NO_KEY:
            continue
        names = {(p["in"], p["name"]) for p in operation.get("parameters", ())}
        if ("header", "Idempotency-Key") not in names:
            missing.append(operation["operationId"])
    assert missing == []


def test_the_logs_filters_are_declared(doc):
    operation = doc["paths"]["/api/v1/orgs/{org}/decisions"]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert names == {
        "circle",
        "subcircles",
        "kind",
        "from",
        "to",
        "person",
        "role",
        "status",
        "before",
        "limit",
    }


def test_the_published_document_is_the_one_served(client):
    served = client.get("/api/v1/openapi.json").json()
    assert "Error" in served["components"]["schemas"]
    assert (
        "409"
        in served["paths"]["/api/v1/orgs/{org}/meetings/{meeting_id}/open"]["post"]["responses"]
    )


def test_the_served_document_holds_no_key_twice(client):
    """JSON allows a key twice in an object, YAML readers do not (Swagger UI
    then shows a parser error instead of the API): a status written by an
    operation's own ``openapi_extra`` must merge with django-ninja's."""
    import json

    twice = []

    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)
    assert not twice, twice
