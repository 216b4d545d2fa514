"""An organization, whole, out and back in (issue 16): export -> import into a
fresh database -> export gives the same document, on SQLite and PostgreSQL."""

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from circles.models import Membership, Organization, RoleAssignment
from core import portable
from decisions import triggers
from decisions.copies import check_copy
from decisions.models import Decision, ImportedEntry
from decisions.services import record_decision, verify_log
from logbook.corrections import supersede
from logbook.models import DecisionPerson
from proposals import services as proposals
from proposals.models import Response, Round
from realtime import frame
from realtime import services as meetings
from realtime.models import AgendaItem, Meeting
from tests.personas import build_world

#: What two exports of one state may differ by: nothing but the time of the export.
VARYING = {"exported_at"}


def _same(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in VARYING}


def _busy_world(make_user):
    """The personas, the demo collective beside them, a correction, and an
    open reveal round whose answers are still hidden."""
    call_command("seed_demo", stdout=io.StringIO())
    world = build_world(make_user)
    world.ana.time_zone = "America/Montreal"
    world.ana.save(update_fields=["time_zone"])
    root_policy = record_decision(
        organization=world.org, kind="policy", title="Quiet hours", circle=world.root
    )
    supersede(decision=root_policy, by=world.admin, reason="Longer", title="Quiet hours, longer")
    p = proposals.create_proposal(circle=world.ops, by=world.ana, title="Flour", body="Rye.")
    proposals.present(proposal=p, by=world.facilitator)
    proposals.open_reactions(proposal=p, by=world.facilitator, mode="reveal")
    proposals.answer(proposal=p, by=world.bo, kind="reaction", text="Good idea")
    proposals.close_round(proposal=p, by=world.facilitator)
    proposals.open_consent_round(proposal=p, by=world.facilitator, mode="reveal")
    proposals.answer(proposal=p, by=world.cy, kind="object", text="Secret objection")
    proposals.answer(proposal=p, by=world.bo, kind="consent")
    # A framed meeting whose check-in round is open: a round of an agenda item.
    meeting = meetings.schedule_meeting(
        circle=world.ops,
        title="Weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.facilitator,
        by=world.facilitator,
        template="frame",
    )
    meetings.open_meeting(meeting=meeting, by=world.facilitator)
    opening = meeting.items.order_by("position").first()
    frame.start_round(meeting=meeting, item=opening, by=world.facilitator)
    return world


@pytest.mark.django_db(transaction=True)
def test_export_import_export_gives_the_same_document(make_user):
    world = _busy_world(make_user)
    organizations = {}
    for org in Organization.objects.order_by("slug"):
        organizations[org.slug] = portable.export_organization(org)
    acme = organizations["acme"]
    people_before = {p["email"] for p in acme["people"]}
    hidden = Response.objects.get(member=world.cy, text="Secret objection")
    assert "Secret objection" not in json.dumps(acme)  # an open reveal round hides it
    assert hidden.pk  # ... though it is in the database

    # A fresh database: nothing of either organization is left.
    triggers.drop()
    call_command("flush", interactive=False, verbosity=0)
    triggers.create()
    ContentType.objects.clear_cache()
    assert not get_user_model().objects.exists()

    for slug, document in organizations.items():
        imported = portable.import_organization(json.loads(json.dumps(document)))
        assert imported.slug == slug
        result = verify_log(organization_id=imported.pk)
        assert result.ok, result.problem
        assert result.head_hash == document["decisions.log"]["head"]["hash"]
        assert check_copy(imported, document).ok
        again = portable.export_organization(imported)
        assert _same(again) == _same(document)

    org = Organization.objects.get(slug="acme")
    # People come back by email, with no usable password (they reset it).
    users = get_user_model().objects.filter(email__in=people_before)
    assert users.count() == len(people_before)
    assert not any(u.has_usable_password() for u in users)
    ana = users.get(email="ana@example.org")
    assert ana.time_zone == "America/Montreal"
    assert Membership.objects.filter(circle__slug="ops", circle__organization=org, user=ana).get()
    assert RoleAssignment.objects.filter(role__circle__organization=org).count() == len(
        acme["circles.roleassignment"]
    )
    # The log keeps its numbers and hashes; the imported entries remember the
    # ids they were hashed with, and the person filter finds this instance's people.
    assert Decision.objects.filter(organization=org).count() == len(
        acme["decisions.log"]["entries"]
    )
    assert ImportedEntry.objects.filter(decision__organization=org).count() == len(
        acme["decisions.log"]["entries"]
    )
    correction = Decision.objects.get(organization=org, title="Quiet hours, longer")
    assert correction.supersedes.title == "Quiet hours"
    assert DecisionPerson.objects.filter(organization=org, user_id=ana.pk).exists()
    # The demo's meetings came back with their agendas.
    breizh = Organization.objects.get(slug="breizh-coop")
    assert Meeting.objects.filter(circle__organization=breizh).count() == len(
        organizations["breizh-coop"]["realtime.meeting"]
    )
    # The frame's round came back on its agenda item.
    check_in = AgendaItem.objects.get(meeting__circle__organization=org, kind="opening")
    assert Round.objects.filter(
        subject_type=ContentType.objects.get_for_model(AgendaItem), subject_id=check_in.pk
    ).exists()
    # The imported log goes on: a new entry chains onto the exported head.
    new = record_decision(organization=org, kind="other", title="After the move")
    assert new.prev_hash == acme["decisions.log"]["head"]["hash"]
    assert verify_log(organization_id=org.pk).ok
