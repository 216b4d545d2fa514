"""One convention across the API, read from the published document: every
organization's resource under /orgs/{org}/, the same answer body in both
engines, the Idempotency-Key header on every action (never a body field)."""

import pytest


@pytest.fixture(scope="module")
def document():
    from config.api import api

    return api.get_openapi_schema()


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _body(document, operation) -> dict:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


class TestPaths:
    def test_every_resource_of_an_organization_is_under_it(self, document):
        for path, _method, operation in _operations(document):
            tag = operation["tags"][0]
            if tag in ("proposals", "elections", "meetings", "decisions", "tensions"):
                assert path.startswith("/api/v1/orgs/{org}/"), (operation["operationId"], path)


class TestAnswers:
    ANSWERS = ("answer_round", "answer_consent_round", "answer_election_role_change")

    def test_both_engines_take_the_same_answer_body(self, document):
        by_id = {op["operationId"]: op for _p, _m, op in _operations(document)}
        shapes = {name: set(_body(document, by_id[name])["properties"]) for name in self.ANSWERS}
        assert all(s == {"kind", "text", "concern"} for s in shapes.values()), shapes

    def test_the_selection_round_answers_with_the_same_names(self, document):
        speaker = document["components"]["schemas"]["SpeakerOut"]["properties"]
        assert {"kind", "text", "concern"} <= set(speaker)


class TestIdempotency:
    def test_every_action_declares_the_header_and_no_body_field(self, document):
        missing = []
        for _path, method, operation in _operations(document):
            if method == "get" or operation["tags"][0] not in (
                "proposals",
                "elections",
                "meetings",
                "tensions",
            ):
                continue
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "Idempotency-Key" not in names:
                missing.append(operation["operationId"])
            if "requestBody" in operation:
                fields = set(_body(document, operation).get("properties", {}))
                assert not fields & {"key", "idempotency_key"}, operation["operationId"]
        assert missing == []
