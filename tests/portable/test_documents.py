"""The organization document: its published schema, what it leaves out, the
import's refusals (nothing written), the commands and the admin page."""

import copy
import io
import json
from pathlib import Path

import jsonschema_rs
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from circles.models import Organization
from circles.selectors import seat_order
from core import portable
from core.idempotency import new_key
from decisions.copies import _CONTENT_KEYS as CONTENT_KEYS
from decisions.copies import check_copy
from decisions.models import GENESIS_HASH, Decision, ImportedEntry, chain_hash
from decisions.services import record_decision, verify_log
from elections import services as elections
from proposals import services as proposals
from tests.personas import role_of

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schema" / "organization-v1.json"


@pytest.fixture
def acme(world):
    """Acme with a proposal adopted by consent and a selection nominating."""
    p = proposals.create_proposal(circle=world.ops, by=world.ana, title="Flour", body="Rye.")
    proposals.present(proposal=p, by=world.facilitator)
    proposals.open_reactions(proposal=p, by=world.facilitator, mode="reveal")
    proposals.close_round(proposal=p, by=world.facilitator)
    proposals.open_consent_round(proposal=p, by=world.facilitator, mode="reveal")
    people = {u.pk: u for u in world.everyone}
    for user_id in seat_order(world.ops):
        proposals.answer(proposal=p, by=people[user_id], kind="consent")
    proposals.acknowledge(proposal=p, by=world.facilitator)
    p.refresh_from_db()
    assert p.state == "adopted"
    election = elections.open_election(role=role_of(world.ops, "secretary"), by=world.facilitator)
    elections.start_nominating(election=election, by=world.facilitator)
    elections.nominate(
        election=election, by=world.bo, nominee=world.cy, reason="Careful", key=new_key()
    )
    world.election = election
    return world


def _free_the_slug(slug="acme"):
    """Make room for the document's organization on this same site."""
    Organization.objects.filter(slug=slug).update(slug=f"{slug}-before")


def from_elsewhere(document, organization_id=987_654):
    """The same document as another site would have written it: the log's
    entries hashed under that site's organization id (a hash is unique on a
    site, so the same log cannot come in twice)."""
    doc = copy.deepcopy(document)
    prev = GENESIS_HASH
    for entry in doc["decisions.log"]["entries"]:
        entry["organization"] = organization_id
        entry["prev_hash"] = prev
        entry["hash"] = prev = chain_hash(prev, {key: entry[key] for key in CONTENT_KEYS})
    doc["decisions.log"]["head"]["hash"] = prev
    return doc


def _export(world):
    return from_elsewhere(portable.export_organization(world.org))


def _state():
    return (
        Organization.objects.count(),
        get_user_model().objects.count(),
        Decision.objects.count(),
        ImportedEntry.objects.count(),
    )


class TestTheDocument:
    def test_it_validates_against_the_published_schema(self, acme):
        document = portable.export_organization(acme.org)
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == []
        assert document["format"] == "cercle-organization" and document["version"] == 1

    def test_the_published_schema_is_the_one_the_code_writes(self, db):
        published = json.loads(SCHEMA.read_text(encoding="utf-8"))
        assert published == json.loads(json.dumps(portable.json_schema()))

    def test_the_schema_refuses_a_document_of_another_version(self, acme):
        document = portable.export_organization(acme.org)
        document["version"] = 2
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        assert not jsonschema_rs.validator_for(schema).is_valid(document)

    def test_people_are_emails_and_names_never_passwords_or_tokens(self, acme):
        document = portable.export_organization(acme.org)
        ana = next(p for p in document["people"] if p["email"] == "ana@example.org")
        assert ana == {
            "email": "ana@example.org",
            "name": "Ana",
            "language": acme.ana.language,
            "time_zone": acme.ana.time_zone,
        }
        text = json.dumps(document)
        assert "password" not in text and "pbkdf2" not in text and "token" not in text
        assert "otto@example.org" not in text  # another organization's admin
        assert "circles.invitation" not in document

    def test_hidden_nominations_stay_out_until_shown(self, acme):
        assert portable.export_organization(acme.org)["elections.nomination"] == []
        elections.show_nominations(election=acme.election, by=acme.facilitator)
        shown = portable.export_organization(acme.org)["elections.nomination"]
        assert [(n["nominator"], n["nominee"], n["reason"]) for n in shown] == [
            ("bo@example.org", "cy@example.org", "Careful")
        ]

    def test_a_circle_is_its_slug_a_decision_its_number_a_round_its_speakers_emails(self, acme):
        document = portable.export_organization(acme.org)
        proposal = next(p for p in document["proposals.proposal"] if p["title"] == "Flour")
        assert proposal["circle"] == "ops"
        decision = Decision.objects.get(organization=acme.org, kind="policy", title="Flour")
        assert proposal["decision"] == decision.sequence
        consent = next(r for r in document["proposals.round"] if r["kind"] == "consent")
        assert consent["subject_type"] == "proposals.proposal"
        assert "ana@example.org" in consent["speakers"]
        assert "creation_key" not in proposal


class TestImportOnTheSameSite:
    def test_the_log_of_an_organization_of_this_site_is_refused(self, acme):
        document = portable.export_organization(acme.org)
        _free_the_slug()
        before = _state()
        with pytest.raises(portable.Refused, match="already on this site: it is the log of Acme"):
            portable.import_organization(document)
        assert _state() == before

    def test_people_are_matched_by_email_and_the_log_verifies(self, acme):
        document = _export(acme)
        users = get_user_model().objects.count()
        _free_the_slug()
        imported = portable.import_organization(document)
        assert get_user_model().objects.count() == users  # nobody new
        assert imported.created_people == []
        assert imported.pk != acme.org.pk
        assert verify_log(organization_id=imported.pk).ok
        assert check_copy(imported, document).ok
        again = portable.export_organization(imported)
        assert {k: v for k, v in again.items() if k not in portable.VARYING} == {
            k: v for k, v in document.items() if k not in portable.VARYING
        }
        # The copy's rows are its own: the original is untouched.
        assert verify_log(organization_id=acme.org.pk).ok
        assert Decision.objects.filter(organization=imported).count() == len(
            document["decisions.log"]["entries"]
        )


def _breaks(document, how):
    doc = copy.deepcopy(document)
    entries = doc["decisions.log"]["entries"]
    if how == "format":
        doc["format"] = "cercle-decision-log/1"
    elif how == "version":
        doc["version"] = 2
    elif how == "edited entry":
        entries[2]["title"] = "Rewritten"
    elif how == "swapped hashes":
        entries[3]["prev_hash"] = entries[1]["hash"]
    elif how == "cut tail":
        entries.pop()
    elif how == "head":
        doc["decisions.log"]["head"]["hash"] = "f" * 64
    elif how == "unknown person":
        doc["circles.membership"][0]["user"] = "nobody@example.org"
    elif how == "bad date":
        doc["circles.membership"][0]["joined"] = "yesterday"
    elif how == "unknown circle":
        doc["circles.membership"][0]["circle"] = "nowhere"
    elif how == "unknown part":
        doc["secrets"] = []
    elif how == "not json":
        return b"{not json"
    return json.dumps(doc).encode()


REFUSALS = {
    "format": "not a Cercle organization export",
    "version": "version 2; this Cercle reads version 1",
    "edited entry": "Entry #3 does not match its hash",
    "swapped hashes": "Entry #4 does not link to #3",
    "cut tail": "head is not its last entry",
    "head": "head is not its last entry",
    "unknown person": "nobody@example.org is not among the document's people",
    "bad date": "circles.membership #1: joined",
    "unknown circle": "circles.membership #1: circle names",
    "unknown part": "Unknown part 'secrets'",
    "not json": "not JSON",
}


class TestRefusals:
    @pytest.mark.parametrize("how", sorted(REFUSALS))
    def test_a_bad_document_is_refused_with_its_reason_and_nothing_written(self, acme, how):
        raw = _breaks(_export(acme), how)
        _free_the_slug()
        before = _state()
        with pytest.raises(portable.Refused) as refused:
            portable.import_organization(portable.read(raw))
        assert REFUSALS[how] in refused.value.message
        assert _state() == before
        assert not Organization.objects.filter(slug="acme").exists()

    def test_a_short_name_taken_here_is_refused(self, acme):
        document = portable.export_organization(acme.org)
        before = _state()
        with pytest.raises(portable.Refused, match="short name acme exists already"):
            portable.import_organization(document)
        assert _state() == before

    def test_a_refusal_after_rows_were_written_leaves_nothing(self, acme):
        """The log verifies, then a later part is wrong: all of it goes."""
        document = _export(acme)
        document["realtime.meeting"] = [{"circle": "ops"}]
        _free_the_slug()
        before = _state()
        with pytest.raises(portable.Refused, match=r"realtime\.meeting #1"):
            portable.import_organization(document)
        assert _state() == before


class TestCommands:
    def test_export_then_import_then_verify_against_the_file(self, acme, tmp_path):
        path = tmp_path / "acme.json"
        out = io.StringIO()
        call_command("export_organization", "acme", "-o", str(path), stdout=out)
        head = Decision.objects.filter(organization=acme.org).order_by("-sequence").first()
        assert f"log head #{head.sequence} {head.hash}" in out.getvalue()
        document = from_elsewhere(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(json.dumps(document), encoding="utf-8")
        head = document["decisions.log"]["head"]
        _free_the_slug()
        out = io.StringIO()
        call_command("import_organization", str(path), stdout=out)
        assert (
            f"acme: imported; log verified, {head['sequence']} entries, head {head['hash']}"
            in out.getvalue()
        )
        out = io.StringIO()
        call_command("verify_decisions", "--org", "acme", "--against", str(path), stdout=out)
        assert "still contains" in out.getvalue()
        # Once imported, the short name is taken: a second import is refused.
        with pytest.raises(CommandError, match=r"nothing was imported.*exists already"):
            call_command("import_organization", str(path), stdout=io.StringIO())

    def test_the_file_is_still_contained_once_the_log_moves_on(self, acme, tmp_path):
        path = tmp_path / "acme.json"
        path.write_text(json.dumps(_export(acme)), encoding="utf-8")
        _free_the_slug()
        call_command("import_organization", str(path), stdout=io.StringIO())
        imported = Organization.objects.get(slug="acme")
        record_decision(organization=imported, kind="other", title="After the move")
        out = io.StringIO()
        call_command("verify_decisions", "--org", "acme", "--against", str(path), stdout=out)
        assert "still contains" in out.getvalue() and "acme: OK" in out.getvalue()

    def test_schema_option_prints_the_published_schema(self, db):
        out = io.StringIO()
        call_command("export_organization", "--schema", stdout=out)
        assert json.loads(out.getvalue()) == json.loads(SCHEMA.read_text(encoding="utf-8"))

    def test_unknown_organization(self, db):
        with pytest.raises(CommandError, match="No organization"):
            call_command("export_organization", "nowhere", stdout=io.StringIO())


class TestAdminPage:
    URL = "/admin/circles/organization/import/"

    @pytest.fixture
    def superuser(self, django_user_model):
        return django_user_model.objects.create_superuser(email="root@example.org", password="x")

    def _upload(self, client, raw: bytes):
        return client.post(
            self.URL, {"document": SimpleUploadedFile("acme.json", raw, "application/json")}
        )

    def test_a_site_administrator_imports_an_organization(self, client, acme, superuser):
        raw = json.dumps(_export(acme)).encode()
        _free_the_slug()
        client.force_login(superuser)
        page = client.get(self.URL)
        assert page.status_code == 200
        assert b'type="file"' in page.content and b"Import an organization" in page.content
        response = self._upload(client, raw)
        assert response.status_code == 302
        imported = Organization.objects.get(slug="acme")
        assert verify_log(organization_id=imported.pk).ok
        followed = client.get(response["Location"])
        assert "Acme was imported" in followed.content.decode()
        assert b"circles/organization/import/" in followed.content  # the changelist's link

    def test_a_refused_file_says_why_and_writes_nothing(self, client, acme, superuser):
        document = _export(acme)
        document["decisions.log"]["entries"][0]["title"] = "Rewritten"
        _free_the_slug()
        before = _state()
        client.force_login(superuser)
        response = self._upload(client, json.dumps(document).encode())
        assert response.status_code == 200
        assert "Entry #1 does not match its hash" in response.content.decode()
        assert _state() == before

    def test_in_french(self, client, acme, superuser):
        superuser.language = "fr"
        superuser.save()
        client.force_login(superuser)
        page = client.get(self.URL, HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200

    def test_staff_who_are_not_site_administrators_may_not(self, client, acme):
        staff = get_user_model().objects.create_user(
            email="staff@example.org", password="x", is_staff=True
        )
        client.force_login(staff)
        raw = json.dumps(_export(acme)).encode()
        _free_the_slug()
        assert self._upload(client, raw).status_code == 403
        assert not Organization.objects.filter(slug="acme").exists()
