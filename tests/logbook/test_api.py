"""The log API: the same filters, keyset pagination, search, one entry,
export, verify; errors as {"detail", "code"}."""

import csv
import io

import pytest
from django.test import Client

from logbook.exports import json_document

from .conftest import seq

BASE = "/api/v1/orgs/acme/decisions"


class TestLogApi:
    def test_it_lists_with_filters_and_keyset_pagination(self, member_client, log):
        page = member_client.get(BASE, {"limit": 2}).json()
        assert [d["sequence"] for d in page["items"]] == [seq(5), seq(4)]
        page2 = member_client.get(BASE, {"limit": 2, "before": page["next_before"]}).json()
        assert [d["sequence"] for d in page2["items"]] == [seq(3), seq(2)]
        kinds = member_client.get(BASE, {"kind": "policy", "circle": "ops"}).json()
        assert [d["sequence"] for d in kinds["items"]] == [seq(3)]

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
        data = member_client.get(f"{BASE}/{seq(1)}").json()
        assert data["hash"] == log["policy"].hash
        assert data["record"]["objections"][0]["state"] == "integrated"
        assert member_client.get(f"{BASE}/99").status_code == 404

    def test_it_searches(self, member_client, log):
        hits = member_client.get(f"{BASE}/search", {"q": "graines"}).json()
        assert [h["decision"]["sequence"] for h in hits] == [seq(3)]
        assert member_client.get(f"{BASE}/search", {"q": "!!!"}).json() == []

    def test_it_exports_and_verifies(self, member_client, log, org):
        document = member_client.get(f"{BASE}/export").json()
        assert document["head"]["sequence"] == seq(5)
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


def _bearer(user) -> dict:
    from accounts.services import create_api_token

    _token, raw = create_api_token(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TestAPrivateLogWithAToken:
    """Every file of a private log, read with a bearer token and nothing else."""

    FILES = [
        ("export_decisions", "/export", "application/json"),
        ("export_decisions_csv", "/export.csv", "text/csv"),
        ("export_decisions_markdown", "/export.md", "text/markdown"),
        ("decisions_feed", "/feed.atom", "application/atom+xml"),
        ("decisions_calendar", "/calendar.ics", "text/calendar"),
    ]

    @pytest.mark.parametrize("operation, tail, media", FILES, ids=[f[0] for f in FILES])
    def test_a_member_reads_each_format(self, client, log, org, bob, operation, tail, media):
        assert not org.public_log
        response = client.get(BASE + tail, **_bearer(bob))
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith(media)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        head = org.decisions.order_by("-sequence").first()
        if tail == "/calendar.ics":
            assert text.startswith("BEGIN:VCALENDAR")
        elif tail == "/feed.atom":
            assert f"decision:{head.sequence}:{head.hash[:16]}" in text
        else:  # the exports end at the head, hash included
            assert head.hash in text

    @pytest.mark.parametrize("tail", [f[1] for f in FILES])
    def test_without_a_token_a_private_log_is_not_found(self, client, log, tail):
        response = client.get(BASE + tail)
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_an_outsiders_token_opens_nothing(self, client, log, outsider):
        response = client.get(BASE + "/export.csv", **_bearer(outsider))
        assert response.status_code == 404

    def test_the_exports_take_the_pages_filters(self, client, log, bob):
        response = client.get(BASE + "/export.csv", {"kind": "policy"}, **_bearer(bob))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and {row["kind"] for row in rows} == {"policy"}
        response = client.get(BASE + "/export.md", {"colour": "red"}, **_bearer(bob))
        assert response.status_code == 400 and response.json()["code"] == "unknown_filter"

    def test_the_files_are_documented_with_their_media_type(self, client, db):
        schema = client.get("/api/v1/openapi.json").json()
        by_id = {op["operationId"]: op for p in schema["paths"].values() for op in p.values()}
        for operation, _tail, media in self.FILES:
            assert media in by_id[operation]["responses"]["200"]["content"], operation


class TestCorrections:
    def test_an_admin_supersedes_a_decision_once_with_a_key(self, client, log, org, alice):
        from core.idempotency import new_key

        headers = {**_bearer(alice), "HTTP_IDEMPOTENCY_KEY": new_key()}
        body = {"reason": "A typo in the amount.", "body": "Forty euros."}
        first = client.post(
            f"{BASE}/{seq(1)}/supersede", body, content_type="application/json", **headers
        )
        assert first.status_code == 201, first.content
        again = client.post(
            f"{BASE}/{seq(1)}/supersede", body, content_type="application/json", **headers
        )
        assert again.status_code == 201 and again.json()["sequence"] == first.json()["sequence"]
        new = org.decisions.get(sequence=first.json()["sequence"])
        assert new.supersedes.sequence == seq(1) and new.body == "Forty euros."
        assert new.record["reason"] == "A typo in the amount."
        assert org.decisions.filter(supersedes__sequence=seq(1)).count() == 1

    def test_a_member_may_not_correct_and_nothing_is_written(self, client, log, org, bob):
        count = org.decisions.count()
        response = client.post(
            f"{BASE}/{seq(1)}/supersede",
            {"reason": "No."},
            content_type="application/json",
            **_bearer(bob),
        )
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert org.decisions.count() == count

    def test_a_correction_needs_a_reason(self, client, log, org, alice):
        count = org.decisions.count()
        response = client.post(
            f"{BASE}/{seq(1)}/supersede", {}, content_type="application/json", **_bearer(alice)
        )
        assert response.status_code == 400 and response.json()["field"] == "reason"
        assert org.decisions.count() == count


class TestPrivateFeedLinks:
    def test_a_member_creates_uses_lists_and_revokes_a_link(self, client, log, org, bob):
        from logbook.models import FeedToken

        auth = _bearer(bob)
        created = client.post("/api/v1/orgs/acme/feed-links", **auth)
        assert created.status_code == 201, created.content
        link = created.json()
        assert FeedToken.objects.get(pk=link["id"]).user == bob
        assert set(link["urls"]) == {"atom", "ical", "json", "csv", "md"}
        anonymous = Client()
        assert anonymous.get(link["urls"]["csv"]).status_code == 200  # a feed reader's fetch
        listed = client.get("/api/v1/orgs/acme/feed-links", **auth).json()
        assert [x["id"] for x in listed] == [link["id"]] and "token" not in listed[0]

        revoked = client.post(f"/api/v1/orgs/acme/feed-links/{link['id']}/revoke", **auth)
        assert revoked.status_code == 204
        assert FeedToken.objects.get(pk=link["id"]).revoked is not None
        assert anonymous.get(link["urls"]["atom"]).status_code == 404
        again = client.post(f"/api/v1/orgs/acme/feed-links/{link['id']}/revoke", **auth)
        assert again.status_code == 404

    def test_an_outsider_gets_no_link(self, client, log, outsider):
        from logbook.models import FeedToken

        response = client.post("/api/v1/orgs/acme/feed-links", **_bearer(outsider))
        assert response.status_code == 404
        assert not FeedToken.objects.exists()


class TestTheEntryPdf:
    def test_a_member_gets_an_entry_as_pdf_with_a_token(self, client, log, bob):
        response = client.get(f"{BASE}/{seq(1)}.pdf", **_bearer(bob))
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    def test_without_a_token_a_private_entry_is_not_found(self, client, log):
        response = client.get(f"{BASE}/{seq(1)}.pdf")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
