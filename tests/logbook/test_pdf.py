"""A log entry as a PDF to hand out: the text is in it (read back with pypdf)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from decisions.services import record_decision


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def minutes(world):
    """Minutes of the root circle of Acme: Ada facilitated, Leo took the notes."""
    admin, leo, org, root = world.admin, world.leader, world.org, world.root
    person = lambda u: {"id": u.pk, "name": u.name}  # noqa: E731
    decision = record_decision(
        organization=org,
        circle=root,
        kind="minutes",
        title="Procès-verbal de la réunion de juin",
        body="",
        record={
            "action": "meeting_minutes",
            "meeting": {"id": 1, "title": "Réunion de juin", "started": None, "ended": None},
            "attendance": [person(admin), person(leo)],
            "facilitator": person(admin),
            "secretary": person(leo),
            "items": [
                {"position": 1, "kind": "note", "title": "Tour d'ouverture", "outcome": "noted"},
                {
                    "position": 2,
                    "kind": "note",
                    "title": "Budget des semences",
                    "outcome": "deferred",
                },
            ],
            "notes": "Prochaine réunion en juillet.",
        },
    )
    return {"org": org, "admin": admin, "secretary": leo, "decision": decision}


def test_the_minutes_pdf_holds_the_meeting_people_items_and_hash(client, minutes):
    client.force_login(minutes["admin"])
    decision = minutes["decision"]
    url = reverse("logbook:pdf", kwargs={"org": "acme", "seq": decision.sequence})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for expected in (
        "Procès-verbal de la réunion de juin",
        minutes["secretary"].name,
        "Tour d'ouverture",
        "Budget des semences",
        "Prochaine réunion en juillet.",
        decision.hash[:16],
    ):
        assert expected in text.replace("\n", ""), expected
    # The actions of the page are not printed.
    assert "PDF" not in text


def test_the_detail_page_offers_the_pdf(client, minutes):
    client.force_login(minutes["admin"])
    decision = minutes["decision"]
    page = client.get(reverse("logbook:detail", kwargs={"org": "acme", "seq": decision.sequence}))
    assert (
        reverse("logbook:pdf", kwargs={"org": "acme", "seq": decision.sequence})
        in page.content.decode()
    )


def test_the_pdf_of_a_private_log_is_refused_to_outsiders(client, minutes, world):
    client.force_login(world.outsider)
    url = reverse("logbook:pdf", kwargs={"org": "acme", "seq": minutes["decision"].sequence})
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
