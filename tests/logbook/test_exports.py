"""Exports (JSON with the chain, CSV, Markdown), the Atom feed, the iCalendar,
and a kept export checked against the live log, before and after tampering."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from decisions import triggers
from decisions.copies import check_copy
from decisions.models import Decision, LogHead
from logbook.exports import json_document

from .conftest import WORLD_OPS, record, seq


def _get(client, name, **kwargs):
    response = client.get(reverse(name, kwargs={"org": "acme", **kwargs}))
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        return response, b"".join(response.streaming_content).decode()
    return response, response.content.decode()


class TestExports:
    def test_the_json_export_has_every_field_and_the_head(self, member_client, log, org):
        _response, body = _get(member_client, "logbook:export", fmt="json")
        document = json.loads(body)
        head = LogHead.objects.get(organization=org)
        assert document["head"] == {"sequence": seq(5), "hash": head.hash}
        assert [e["sequence"] for e in document["entries"]] == list(range(1, seq(5) + 1))
        first = document["entries"][seq(1) - 1]
        assert first["hash"] == log["policy"].hash
        assert first["record"]["objections"][0]["reason"] == "Trop rigide pour les parents"
        assert first["review_date"] == log["policy"].review_date.isoformat()

    def test_a_circle_export_has_its_entries_and_the_org_head(self, member_client, log):
        _r, body = _get(member_client, "logbook:circle_export", circle="ops", fmt="json")
        document = json.loads(body)
        assert [e["sequence"] for e in document["entries"]] == [*WORLD_OPS, seq(2), seq(3)]
        assert document["head"]["sequence"] == seq(5)
        assert document["circle"] == "ops"

    def test_the_csv_export_has_one_row_per_decision_and_defuses_formulas(
        self, member_client, org, circles
    ):
        record(org, kind="other", title='=HYPERLINK("http://evil")')
        _r, body = _get(member_client, "logbook:export", fmt="csv")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert rows[0][0] == "sequence"
        assert len(rows) == 1 + seq(1)  # the header, then every entry
        assert rows[-1][4].startswith("'=")

    def test_every_export_follows_the_filters_it_is_given(self, member_client, log, bob):
        url = reverse("logbook:export", kwargs={"org": "acme", "fmt": "json"})
        response = member_client.get(url, {"kind": "policy"})
        document = json.loads(b"".join(response.streaming_content))
        assert [e["sequence"] for e in document["entries"]] == [seq(1), seq(3)]
        assert document["filters"] == {"kind": "policy"}
        url = reverse("logbook:export", kwargs={"org": "acme", "fmt": "csv"})
        response = member_client.get(url, {"person": bob.pk, "role": "objector"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [r[0] for r in rows[1:]] == [str(seq(1))]
        url = reverse("logbook:export", kwargs={"org": "acme", "fmt": "md"})
        response = member_client.get(url, {"from": "2024-01-01", "to": "2024-12-31"})
        body = b"".join(response.streaming_content).decode()
        assert f"## #{seq(5)} — Ancienne décision" in body
        assert f"## #{seq(1)} —" not in body

    def test_a_circle_export_takes_filters_too(self, member_client, log):
        url = reverse(
            "logbook:circle_export", kwargs={"org": "acme", "circle": "ops", "fmt": "json"}
        )
        document = json.loads(
            b"".join(member_client.get(url, {"kind": "policy"}).streaming_content)
        )
        assert [e["sequence"] for e in document["entries"]] == [seq(3)]

    def test_a_bad_filter_is_refused_with_its_reason(self, member_client, log):
        url = reverse("logbook:export", kwargs={"org": "acme", "fmt": "csv"})
        response = member_client.get(url, {"from": "2025-02-01", "to": "2025-01-01"})
        assert response.status_code == 400
        assert "start date comes after" in response.content.decode()

    def test_every_csv_field_is_quoted_so_a_semicolon_splits_nothing(
        self, member_client, org, circles
    ):
        record(org, kind="other", title="Budget; vote", body="Un; deux")
        _r, body = _get(member_client, "logbook:export", fmt="csv")
        line = body.lstrip("\ufeff").splitlines()[-1]  # the newest entry
        assert '"Budget; vote"' in line and '"Un; deux"' in line
        assert line.startswith('"') and line.endswith('"')
        assert line.count('","') == 11  # twelve fields, each one quoted
        assert list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[-1][4] == "Budget; vote"

    def test_the_markdown_export_reads_like_minutes(self, member_client, log, org):
        _r, body = _get(member_client, "logbook:export", fmt="md")
        assert f"## #{seq(1)} — Règlement intérieur" in body
        assert "Trop rigide pour les parents" in body
        assert LogHead.objects.get(organization=org).hash in body

    def test_the_atom_feed_lists_decisions(self, member_client, log):
        response, body = _get(member_client, "logbook:feed")
        assert response["Content-Type"].startswith("application/atom+xml")
        assert "<feed" in body and f"#{seq(5)} Ancienne décision" in body

    def test_the_circle_feed_has_only_its_decisions(self, member_client, log):
        _r, body = _get(member_client, "logbook:circle_feed", circle="ops")
        assert "Bob élu" in body and "Règlement" not in body

    def test_the_calendar_has_review_dates_and_term_ends_escaped_with_crlf(
        self, member_client, log, org
    ):
        record(
            org,
            kind="policy",
            title="Semis, récoltes; et\nplus",
            review_date=log["policy"].review_date,
        )
        response, body = _get(member_client, "logbook:calendar")
        assert response["Content-Type"].startswith("text/calendar")
        assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
        assert "\n" not in body.replace("\r\n", "")
        assert "SUMMARY:Review: Semis\\, récoltes\\; et\\nplus" in body.replace("\r\n ", "")
        assert f"UID:acme-{seq(2)}-term-end@cercle" in body
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    def test_an_unknown_format_is_a_404(self, member_client, log):
        url = reverse("logbook:export", kwargs={"org": "acme", "fmt": "xls"})
        assert member_client.get(url).status_code == 404


class TestVerifyAgainstExport:
    @pytest.fixture
    def exported(self, log, org, tmp_path):
        path = tmp_path / "export.json"
        path.write_text(json.dumps(json_document(org)), encoding="utf-8")
        return path

    def test_the_live_log_contains_the_export(self, exported, org, capsys):
        call_command("verify_decisions", "--org", "acme", "--against", str(exported))
        assert "still contains" in capsys.readouterr().out

    def test_it_still_matches_after_new_entries(self, exported, org, capsys):
        record(org, kind="other", title="Later")
        call_command("verify_decisions", "--org", "acme", "--against", str(exported))

    def test_a_tampered_entry_is_named(self, exported, org):
        triggers.drop()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE decisions_decision SET title = %s"
                    " WHERE organization_id = %s AND sequence = %s",
                    ["Alice élue", org.pk, seq(2)],
                )
            with pytest.raises(CommandError, match=f"#{seq(2)}"):
                call_command("verify_decisions", "--org", "acme", "--against", str(exported))
        finally:
            triggers.create()

    def test_a_rehashed_chain_is_caught_by_the_export(self, exported, org):
        """Someone rewrites the log's third entry and recomputes every hash after it and the head:
        the live chain verifies on its own, but not against the kept copy."""
        from decisions.models import chain_hash

        triggers.drop()
        try:
            entries = list(Decision.objects.filter(organization=org).order_by("sequence"))
            prev = entries[seq(2) - 1].hash
            with connection.cursor() as cursor:
                for d in entries[seq(3) - 1 :]:
                    content = d.content()
                    if d.sequence == seq(3):
                        content["title"] = "Semences achetées"
                    digest = chain_hash(prev, content)
                    cursor.execute(
                        "UPDATE decisions_decision SET title=%s, prev_hash=%s, hash=%s WHERE id=%s",
                        [content["title"], prev, digest, d.pk],
                    )
                    prev = digest
                cursor.execute(
                    "UPDATE decisions_loghead SET hash=%s WHERE organization_id=%s",
                    [prev, org.pk],
                )
            call_command("verify_decisions", "--org", "acme")  # the chain alone looks fine
            with pytest.raises(CommandError, match=f"#{seq(3)}"):
                call_command("verify_decisions", "--org", "acme", "--against", str(exported))
        finally:
            triggers.create()

    def test_a_tail_cut_with_the_head_rewritten_is_detected(self, exported, org):
        triggers.drop()
        try:
            fourth = Decision.objects.get(organization=org, sequence=seq(4))
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM decisions_decision WHERE organization_id=%s AND sequence=%s",
                    [org.pk, seq(5)],
                )
                cursor.execute(
                    "UPDATE decisions_loghead SET sequence=%s, hash=%s WHERE organization_id=%s",
                    [seq(4), fourth.hash, org.pk],
                )
            call_command("verify_decisions", "--org", "acme")  # the cut chain verifies alone
            with pytest.raises(CommandError, match=f"#{seq(5)}"):
                call_command("verify_decisions", "--org", "acme", "--against", str(exported))
        finally:
            triggers.create()

    def test_a_damaged_copy_is_reported(self, log, org):
        document = json_document(org)
        document["entries"][0]["title"] = "Changed in the copy"
        result = check_copy(org, document)
        assert not result.ok and result.first_bad == 1

    def test_a_file_of_another_kind_is_refused(self, log, org):
        assert not check_copy(org, {"hello": "world"}).ok

    def test_the_verify_page_checks_an_uploaded_copy(self, member_client, log, org):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("e.json", json.dumps(json_document(org)).encode())
        response = member_client.post(
            reverse("logbook:verify", kwargs={"org": "acme"}), {"copy": upload}
        )
        assert response.context["copy_result"].ok
        bad = member_client.post(
            reverse("logbook:verify", kwargs={"org": "acme"}),
            {"copy": SimpleUploadedFile("e.json", b"not json")},
        )
        assert bad.context["copy_error"]
