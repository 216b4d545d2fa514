"""The log entry page for every record shape of docs/RECORDS.md.

A record given to the template as a dict answered ``record.items`` with the
dict's own ``.items()`` method: every entry but the minutes showed an empty
numbered "Agenda" list. Each shape here is rendered and read back.
"""

import re
from datetime import date

import pytest
from django.urls import reverse

from logbook.records import RecordView, changes

from .conftest import person, record


def _page(client, seq) -> str:
    response = client.get(reverse("logbook:detail", kwargs={"org": "acme", "seq": seq}))
    assert response.status_code == 200
    return response.content.decode()


def _no_agenda(html: str) -> None:
    assert "Agenda" not in html
    assert not re.search(r"<ol[^>]*>\s*</ol>", html)


@pytest.fixture
def shapes(org, circles, alice, bob):
    """One entry of each shape, recorded in this order (sequence 1, 2, …)."""
    garden = circles["garden"]
    out = {}
    out["policy"] = record(
        org,
        kind="policy",
        circle=garden,
        title="Arrosage partagé",
        body="Chacun arrose une semaine.",
        review_date=date(2027, 1, 1),
        record={
            "action": "policy_adopted",
            "by": person(alice),
            "meeting": {"id": 3, "title": "Réunion de mars"},
            "proposal": {"id": 9, "title": "Arrosage", "author": person(bob)},
            "revision": {"id": 12, "number": 2},
            "participants": [person(alice), person(bob)],
            "positions": [
                {"member": person(alice), "position": "consent", "text": "", "concern": ""},
                {
                    "member": person(bob),
                    "position": "consent",
                    "text": "D'accord",
                    "concern": "Les vacances d'août",
                },
            ],
            "objections": [
                {
                    "member": person(bob),
                    "reason": "Personne en août",
                    "state": "integrated",
                    "resolution": "Un tour de garde en août",
                    "revision": 2,
                }
            ],
            "concerns": [{"member": person(bob), "text": "Les vacances d'août"}],
            "rounds": [
                {
                    "kind": "consent",
                    "mode": "in_turn",
                    "revision": 2,
                    "responses": [{"member": person(bob), "kind": "consent", "text": "D'accord"}],
                }
            ],
            "review_date": "2027-01-01",
            "amends": None,
        },
    )
    out["selection"] = record(
        org,
        kind="selection",
        circle=garden,
        title="Bob élu secrétaire",
        term_end=date(2027, 3, 1),
        record={
            "action": "selection_made",
            "by": person(alice),
            "meeting": {"id": 3, "title": "Réunion de mars"},
            "election": {"id": 4},
            "role": {
                "id": 2,
                "kind": "secretary",
                "name": "Secrétaire",
                "description": "Tient les comptes rendus",
                "default_term_months": 12,
                "qualifications": "",
            },
            "person": person(bob),
            "term_start": "2026-03-01",
            "term_end": "2027-03-01",
            "participants": [person(alice), person(bob)],
            "grid": [
                {
                    "nominator": person(alice),
                    "nominee": person(bob),
                    "reason": "Il écrit lisiblement",
                    "changed_to": None,
                    "change_reason": "",
                }
            ],
            "proposal": {
                "nominee": person(bob),
                "term_end": "2027-03-01",
                "reason": "Le plus de voix",
                "by": person(alice),
            },
            "positions": [
                {"member": person(alice), "position": "consent", "text": "", "concern": ""},
            ],
            "objections": [
                {
                    "member": person(alice),
                    "reason": "Un an c'est long",
                    "state": "integrated",
                    "resolution": "",
                    "revision": None,
                }
            ],
        },
    )
    out["cancelled"] = record(
        org,
        kind="other",
        circle=garden,
        title="Sélection du délégué annulée",
        record={
            "action": "selection_cancelled",
            "by": person(alice),
            "meeting": None,
            "election": {"id": 5},
            "role": {"id": 3, "kind": "delegate", "name": "Délégué·e"},
            "state": "nominating",
            "reason": "Le cercle va fusionner",
        },
    )
    out["role_updated"] = record(
        org,
        kind="structure",
        circle=garden,
        title="Rôle « Secrétaire » du jardin changé",
        record={
            "action": "role_updated",
            "by": person(alice),
            "role": {"id": 2, "kind": "secretary", "name": "Secrétaire"},
            "before": {"name": "Secrétaire", "default_term_months": 12},
            "after": {"name": "Secrétaire", "default_term_months": 6},
            "election": {"id": 4},
            "meeting": None,
            "consent": {
                "round": 31,
                "mode": "in_turn",
                "reason": "Un mandat plus court",
                "proposed_by": person(bob),
                "participants": [person(alice), person(bob)],
                "positions": [
                    {"member": person(alice), "position": "object", "text": "Trop court"},
                ],
            },
        },
    )
    out["member_added"] = record(
        org,
        kind="structure",
        circle=garden,
        title="Bob a rejoint le jardin",
        record={
            "action": "member_added",
            "by": person(alice),
            "person": person(bob),
            "reason": "Il vient chaque samedi",
        },
    )
    out["appointment"] = record(
        org,
        kind="appointment",
        circle=garden,
        title="Alice est trésorière du jardin",
        term_end=date(2027, 6, 30),
        record={
            "action": "role_assigned",
            "by": person(bob),
            "person": person(alice),
            "role": {"id": 7, "kind": "custom", "name": "Trésorière"},
            "circle": {"id": garden.pk, "name": "Jardin"},
            "term_start": "2026-07-01",
            "term_end": "2027-06-30",
            "reason": "Elle tient déjà la caisse",
        },
    )
    out["moved"] = record(
        org,
        kind="structure",
        circle=circles["seeds"],
        title="Semences déplacé",
        record={
            "action": "circle_moved",
            "by": person(alice),
            "old_parent": {"id": garden.pk, "name": "Jardin"},
            "new_parent": {"id": circles["root"].pk, "name": "Coop"},
            "reason": "Il sert toute la coop",
        },
    )
    out["other"] = record(org, kind="other", title="Une décision sans dossier")
    out["minutes"] = record(
        org,
        kind="minutes",
        circle=garden,
        title="Compte rendu : réunion de mars",
        body="1. Arrosage — Adopted",
        record={
            "action": "meeting_minutes",
            "by": person(alice),
            "meeting": {
                "id": 3,
                "title": "Réunion de mars",
                "started": "2026-03-01T18:00:00+00:00",
                "ended": "2026-03-01T19:30:00+00:00",
            },
            "attendance": [person(alice), person(bob)],
            "items": [
                {
                    "position": 1,
                    "kind": "proposal",
                    "title": "Arrosage",
                    "outcome": "Adopted",
                    "decision": out["policy"].sequence,
                    "notes": "",
                },
                {
                    "position": 2,
                    "kind": "election",
                    "title": "Secrétaire",
                    "outcome": "Elected",
                    "decision": out["selection"].sequence,
                    "notes": "",
                },
                {
                    "position": 3,
                    "kind": "discussion",
                    "title": "Fête des semis",
                    "outcome": "",
                    "decision": None,
                    "notes": "On en reparle en avril",
                },
            ],
            "facilitator": person(alice),
            "secretary": person(bob),
            "notes": "Bonne ambiance",
        },
    )
    return out


class TestEveryShape:
    def test_a_policy_shows_its_process_and_no_agenda(self, member_client, shapes):
        html = _page(member_client, shapes["policy"].sequence)
        _no_agenda(html)
        for text in (
            "Personne en août",  # the objection
            "Un tour de garde en août",  # its resolution
            "Les vacances d&#x27;août",  # the concern
            "Réunion de mars",  # the meeting
            "Proposed by:</strong> Bo\n",  # the author
        ):
            assert text in html

    def test_a_selection_shows_the_person_the_term_and_the_grid(self, member_client, shapes):
        html = _page(member_client, shapes["selection"].sequence)
        _no_agenda(html)
        for text in ("Secrétaire", "2026-03-01", "2027-03-01", "Il écrit lisiblement"):
            assert text in html
        assert "Le plus de voix" in html and "Un an c&#x27;est long" in html

    def test_a_cancelled_selection_shows_where_it_stood_and_why(self, member_client, shapes):
        html = _page(member_client, shapes["cancelled"].sequence)
        _no_agenda(html)
        assert "Le cercle va fusionner" in html and "Délégué·e" in html
        assert "nominating" in html

    def test_a_consented_role_change_shows_the_change_and_the_consent(self, member_client, shapes):
        html = _page(member_client, shapes["role_updated"].sequence)
        _no_agenda(html)
        assert "default_term_months" in html  # the one field that changed
        assert "Un mandat plus court" in html and "Trop court" in html

    def test_structure_and_appointment_entries(self, member_client, shapes):
        html = _page(member_client, shapes["member_added"].sequence)
        _no_agenda(html)
        assert "Il vient chaque samedi" in html
        html = _page(member_client, shapes["appointment"].sequence)
        _no_agenda(html)
        for text in ("Trésorière", "2026-07-01", "2027-06-30", "Elle tient déjà la caisse"):
            assert text in html
        html = _page(member_client, shapes["moved"].sequence)
        _no_agenda(html)
        assert "Jardin → Coop" in html

    def test_an_entry_without_a_record_says_so(self, member_client, shapes):
        html = _page(member_client, shapes["other"].sequence)
        _no_agenda(html)
        assert "No process record." in html

    def test_the_minutes_name_people_outcomes_terms_and_objections(self, member_client, shapes):
        html = _page(member_client, shapes["minutes"].sequence)
        agenda = re.search(r'<ol class="agenda">(.*?)</ol>\s*(?:<h3|</section)', html, re.S)
        assert agenda, "the agenda is listed"
        items = re.findall(r"<li>", agenda.group(1))
        assert len(items) >= 3
        text = agenda.group(1)
        for expected in (
            "Arrosage",
            "Adopted",
            "Personne en août",  # the policy's objection
            "Un tour de garde en août",  # and how it was resolved
            "Secrétaire",
            "Elected",
            "2027-03-01",  # the selected person's term
            "Fête des semis",
            "On en reparle en avril",
        ):
            assert expected in text, expected
        assert re.search(r"\bBo\b", text)  # who was selected
        assert "Facilitator" in html and "Secretary" in html


class TestRecordView:
    def test_a_field_the_record_lacks_is_none_whatever_its_name(self):
        view = RecordView({"action": "member_added"})
        assert view.items is None and view.keys is None and view.values is None
        assert view.action == "member_added"

    def test_nested_dicts_and_lists_are_views(self):
        view = RecordView({"items": [{"title": "A", "decision": None}]})
        assert view.items[0].title == "A" and view.items[0].items is None
        assert not RecordView({}) and RecordView({"a": 1})

    def test_changes_lists_only_what_changed(self):
        assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [
            ("b", 2, 3),
            ("c", None, 4),
        ]
