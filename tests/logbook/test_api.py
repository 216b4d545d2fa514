"""The log API: the same filters, keyset pagination, search, one entry,
export, verify; errors as {"detail", "code"}."""

import pytest

from logbook.exports import json_document

BASE = "/api/v1/orgs/coop/decisions"


class TestLogApi:
    def test_it_lists_with_filters_and_keyset_pagination(self, member_client, log):
        page = member_client.get(BASE, {"limit": 2}).json()
        assert [d["sequence"] for d in page["items"]] == [5, 4]
        page2 = member_client.get(BASE, {"limit": 2, "before": page["next_before"]}).json()
        assert [d["sequence"] for d in page2["items"]] == [3, 2]
        kinds = member_client.get(BASE, {"kind": "policy", "circle": "jardin"}).json()
        assert [d["sequence"] for d in kinds["items"]] == [3]

    @pytest.mark.parametrize(
        "query, code",
        [({"colour": "red"}, "unknown_filter"), ({"from": "yesterday"}, "invalid")],
    )
    def test_a_bad_filter_is_a_400_with_detail_and_code(self, member_client, log, query, code):
        response = member_client.get(BASE, query)
        assert response.status_code == 400
        assert response.json()["code"] == code
        assert response.json()["detail"]

    def test_it_gets_one_decision_with_its_record_and_hashes(self, member_client, log):
        data = member_client.get(f"{BASE}/1").json()
        assert data["hash"] == log["policy"].hash
        assert data["record"]["objections"][0]["state"] == "integrated"
        assert member_client.get(f"{BASE}/99").status_code == 404

    def test_it_searches(self, member_client, log):
        hits = member_client.get(f"{BASE}/search", {"q": "graines"}).json()
        assert [h["decision"]["sequence"] for h in hits] == [3]
        assert member_client.get(f"{BASE}/search", {"q": "!!!"}).json() == []

    def test_it_exports_and_verifies(self, member_client, log, org):
        document = member_client.get(f"{BASE}/export").json()
        assert document["head"]["sequence"] == 5
        verify = member_client.get(f"{BASE}/verify").json()
        assert verify["ok"] and verify["head_hash"] == document["head"]["hash"]

    def test_it_checks_a_kept_copy(self, member_client, log, org):
        document = json_document(org)
        response = member_client.post(
            f"{BASE}/verify-copy", document, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["ok"]

    def test_the_operations_are_in_the_openapi_document(self, client, db):
        schema = client.get("/api/v1/openapi.json").json()
        operation_ids = {
            op["operationId"] for path in schema["paths"].values() for op in path.values()
        }
        assert {
            "list_decisions",
            "search_decisions",
            "get_decision",
            "export_decisions",
            "verify_decisions",
            "verify_decisions_copy",
        } <= operation_ids
