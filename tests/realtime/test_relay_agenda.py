"""The double-link ledger reaches the meetings (issue #14): a relay waiting
for a circle is proposed for its next meeting's draft agenda with its reason
and carrier; dropped, it comes back for the next meeting; added, it is a
report item, and the meeting's close presents it (its minutes, in the same
transaction), notes the item and lists it in the minutes; the link-health
count goes back to zero."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from circles import relays
from circles.health import Health, double_link_health
from circles.models import Relay
from decisions.models import Decision
from decisions.services import record_decision
from realtime import selectors, services
from realtime.models import AgendaDrop, AgendaItem
from tests.personas import accept_delegate
from tests.policies_helpers import adopt, give_domains


@pytest.fixture(autouse=True)
def english():
    """The reasons and the minutes' text are read in English here, whatever
    language an earlier test of the worker left active."""
    with translation.override("en"):
        yield


def _schedule(circle, by, days=1, title="Monthly"):
    return services.schedule_meeting(
        circle=circle,
        title=title,
        scheduled_start=timezone.now() + timedelta(days=days),
        facilitator=by,
        by=by,
    )


def _age(relay, days):
    Relay.objects.filter(pk=relay.pk).update(marked_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def relayed(world):
    """A policy of Ops in its domain "Purchasing", adopted: relayed up by
    itself to the root (Acme), carried by Dee, waiting for 20 days."""
    accept_delegate(world)
    give_domains(world.ops, "Purchasing")
    decision = adopt(world, world.ops, title="Local flour", domain="Purchasing")
    relay = Relay.objects.get(decision=decision)
    _age(relay, 20)
    return relay


def _relay_keys(meeting):
    return [d.key for d in selectors.draft_agenda(meeting) if d.key.startswith("circles.relay:")]


@override_settings(RELAY_WAIT_DAYS=14)
def test_a_relayed_decision_is_on_the_parent_s_draft_and_presented_at_its_close(
    client, world, relayed
):
    ops, ada = world.ops, world.admin
    assert double_link_health(ops) == Health.RELAYS_WAITING
    assert relays.overdue_count(ops) == 1
    monthly = _schedule(world.root, ada)
    draft = {d.key: d for d in selectors.draft_agenda(monthly)}
    key = f"circles.relay:{relayed.pk}"
    due = draft[key]
    number = relayed.decision.sequence
    assert due.kind == "report" and due.subject == relayed
    assert due.title == "From Ops: Local flour"
    assert due.reason.startswith(f"Relayed from Ops: decision #{number} of ")
    assert due.reason.endswith("carried by its delegate Dee.")
    assert due.url == relayed.decision.get_absolute_url()
    # Not a sibling's or the child's own meeting: Ops' draft has no relay.
    assert _relay_keys(_schedule(ops, world.facilitator, title="Ops weekly")) == []

    item = services.add_due_item(meeting=monthly, due_key=key, by=ada)
    assert (item.kind, item.source_key, item.title) == ("report", key, "From Ops: Local flour")
    assert _relay_keys(monthly) == []  # added once
    services.open_meeting(meeting=monthly, by=ada)
    services.set_current_item(meeting=monthly, item=item, by=ada)
    relayed.refresh_from_db()
    assert relayed.state == "waiting"  # the minutes do not exist yet
    services.close_meeting(meeting=monthly, by=ada)

    monthly.refresh_from_db()
    relayed.refresh_from_db()
    item.refresh_from_db()
    assert relayed.state == "presented" and relayed.minutes == monthly.minutes
    assert relayed.closed_by == ada and relayed.closed_at is not None
    assert item.outcome == "noted" and item.done is not None
    [entry] = monthly.minutes.record["items"]
    assert entry["outcome"] == "noted"
    assert entry["relay"] == {
        "id": relayed.pk,
        "direction": "up",
        "from": {"slug": "ops", "name": "Ops"},
        "decision": number,
        "decision_hash": relayed.decision.hash,
        "carrier": {"id": world.delegate.pk, "name": "Dee"},
    }
    assert f"From Ops: Local flour — Noted — relayed decision #{number}" in monthly.minutes.body
    # The minutes' page in the log names the relayed decision and its carrier.
    client.force_login(world.bo)
    page = client.get(monthly.minutes.get_absolute_url()).content.decode()
    assert f'data-relay="{relayed.pk}"' in page and "Relayed from Ops" in page
    assert f'href="{relayed.decision.get_absolute_url()}">#{number}</a>, carried by Dee' in page
    # The link is healthy again, and the next meeting proposes nothing of it.
    assert relays.overdue_count(ops) == 0
    assert double_link_health(ops) == Health.COMPLETE
    assert _relay_keys(_schedule(world.root, ada, days=30, title="Next")) == []


def test_dropped_it_comes_back_next_meeting_and_closing_unreached_presents_it(world, relayed):
    ada = world.admin
    first = _schedule(world.root, ada)
    key = f"circles.relay:{relayed.pk}"
    services.drop_due_item(meeting=first, due_key=key, by=ada)
    assert AgendaDrop.objects.filter(meeting=first, key=key).exists()
    assert _relay_keys(first) == []
    second = _schedule(world.root, ada, days=8, title="Second")
    assert _relay_keys(second) == [key]
    # On the agenda but never reached: the close still presents it (the
    # minutes list it), noted rather than deferred.
    report = services.add_item(meeting=second, kind="report", title="News", by=ada)
    item = services.add_due_item(meeting=second, due_key=key, by=ada)
    assert services.open_meeting(meeting=second, by=ada).current_item_id == report.pk
    services.close_meeting(meeting=second, by=ada)
    relayed.refresh_from_db()
    item.refresh_from_db()
    second.refresh_from_db()
    assert relayed.state == "presented" and relayed.minutes == second.minutes
    assert item.outcome == "noted"
    assert [i.get("relay", {}).get("id") for i in second.minutes.record["items"]] == [
        None,
        relayed.pk,
    ]


def test_an_acknowledged_relay_leaves_the_draft_and_a_closed_one_stays_closed(world, relayed):
    ada = world.admin
    monthly = _schedule(world.root, ada)
    key = f"circles.relay:{relayed.pk}"
    item = services.add_due_item(meeting=monthly, due_key=key, by=ada)
    relays.acknowledge(subject=relayed, by=world.delegate, reason="Told them at lunch")
    assert _relay_keys(_schedule(world.root, ada, days=8, title="Later")) == []
    services.open_meeting(meeting=monthly, by=ada)
    services.close_meeting(meeting=monthly, by=ada)
    relayed.refresh_from_db()
    item.refresh_from_db()
    assert relayed.state == "acknowledged" and relayed.minutes is None
    assert item.outcome == "noted"  # on the agenda, it was heard all the same


def test_down_to_a_child_carried_by_its_leader(world):
    with transaction.atomic():
        decision = record_decision(
            organization=world.org, kind=Decision.Kind.OTHER, circle=world.root, title="Budget"
        )
    relay = relays.relay(subject=decision, by=world.admin, to="ops")
    weekly = _schedule(world.ops, world.facilitator)
    [due] = [d for d in selectors.draft_agenda(weekly) if d.key.startswith("circles.relay:")]
    assert due.title == "From Acme: Budget"
    assert due.reason.endswith("carried by the leader Leo.")
    assert due.subject == relay


def test_the_facilitator_adds_it_from_the_meeting_page_with_htmx(client, world, relayed):
    ada = world.admin
    monthly = _schedule(world.root, ada)
    url = reverse("realtime:meeting", kwargs={"org": "acme", "meeting_id": monthly.pk})
    client.force_login(ada)
    page = client.get(url).content.decode()
    assert "From Ops: Local flour" in page and "carried by its delegate Dee" in page
    response = client.post(
        reverse(
            "realtime:draft", kwargs={"org": "acme", "meeting_id": monthly.pk, "action": "add"}
        ),
        {
            "key": f"circles.relay:{relayed.pk}",
            "idempotency_key": "3f1c2b9e-4d5a-4e6f-8a7b-9c0d1e2f3a4b",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert AgendaItem.objects.get(meeting=monthly).source_key == f"circles.relay:{relayed.pk}"


def test_the_demo_s_general_meeting_proposes_the_waiting_relay(db):
    from django.core.management import call_command

    from realtime.models import Meeting

    call_command("seed_demo", verbosity=0)
    waiting = Relay.objects.get(state="waiting")
    meeting = Meeting.objects.get(circle=waiting.target, state="scheduled")
    assert meeting.circle.parent_id is None  # the general circle
    [due] = [d for d in selectors.draft_agenda(meeting) if d.key.startswith("circles.relay:")]
    assert due.subject == waiting and due.reason.startswith("Relayed from ")
