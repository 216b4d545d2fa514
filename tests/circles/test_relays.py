"""The double-link ledger: a child's policy in one of its domains goes up to
the parent by itself; other decisions are relayed by hand by the deciding
circle's members; the carrier or the receiving circle's facilitator or leader
presents (with the meeting's minutes) or acknowledges (with a reason); link
health counts what waited longer than RELAY_WAIT_DAYS."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from circles import chart, relays
from circles.health import Health, double_link_health, health_by_circle
from circles.models import Relay
from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import record_decision
from tests.policies_helpers import adopt, give_domains

from .conftest import accept_delegate


@pytest.fixture
def ops(world):
    accept_delegate(world)
    return give_domains(world.ops, "Purchasing", "Stock")


def _decision(world, circle, title="A decision"):
    return record_decision(
        organization=world.org, kind=Decision.Kind.OTHER, circle=circle, title=title
    )


def _minutes(world, circle):
    return record_decision(
        organization=world.org,
        kind=Decision.Kind.MINUTES,
        circle=circle,
        title=f"Meeting of {circle.name}",
        record={"action": "meeting_minutes"},
    )


def _age(relay, days):
    """Freeze time: the relay was marked ``days`` ago."""
    Relay.objects.filter(pk=relay.pk).update(marked_at=timezone.now() - timedelta(days=days))


class TestAutomatic:
    def test_a_child_policy_with_a_domain_waits_in_the_parent_inbox(self, world, ops):
        decision = adopt(world, ops, measures=["Fewer trips"], domain="Purchasing")
        relay = Relay.objects.get(decision=decision)
        assert (relay.source, relay.target, relay.direction) == (ops, world.root, "up")
        assert relay.state == "waiting" and relay.automatic
        assert relays.carrier(relay) == world.delegate
        assert list(relays.inbox(world.root)) == [relay]

    def test_a_policy_without_a_domain_or_of_the_root_is_not_relayed(self, world, ops):
        adopt(world, ops, title="No domain")
        give_domains(world.root, "Everything")
        adopt(world, world.root, title="Root", domain="Everything")
        assert not Relay.objects.exists()


class TestByHand:
    def test_a_member_relays_a_decision_to_the_parent_from_its_page(self, client, world, ops):
        decision = _decision(world, ops)
        client.force_login(world.member)
        page = client.get(decision.get_absolute_url()).content.decode()
        assert "Relay to parent" in page
        response = client.post(
            f"/o/acme/decisions/{decision.sequence}/relay/",
            {"to": "acme", "next": decision.get_absolute_url()},
        )
        assert response.status_code == 302
        relay = Relay.objects.get(decision=decision)
        assert relay.marked_by == world.member and not relay.automatic
        assert relay.direction == "up" and relay.target == world.root
        # Relayed once: the button is gone, the state is shown.
        page = client.get(decision.get_absolute_url()).content.decode()
        assert "Relay to parent" not in page and 'data-relay-state="waiting"' in page

    def test_only_members_of_the_deciding_circle_may_relay(self, client, world, ops):
        decision = _decision(world, ops)
        client.force_login(world.org_member)
        assert "Relay to parent" not in client.get(decision.get_absolute_url()).content.decode()
        client.post(f"/o/acme/decisions/{decision.sequence}/relay/", {"to": "acme"})
        with pytest.raises(NotAllowed):
            relays.relay(subject=decision, by=world.org_member, to="acme")
        assert not Relay.objects.exists()

    def test_down_to_a_child_carried_by_its_leader(self, world, ops):
        decision = _decision(world, world.root, "The budget")
        relay = relays.relay(subject=decision, by=world.admin, to="ops")
        assert relay.direction == "down" and relay.target == ops
        assert relays.carrier(relay) == world.leader

    def test_it_refuses_a_circle_off_the_link_and_a_second_relay(self, world, ops):
        decision = _decision(world, ops)
        with pytest.raises(Invalid) as exc:
            relays.relay(subject=decision, by=world.member, to="other")
        assert exc.value.field == "to"
        relays.relay(subject=decision, by=world.member, to="acme")
        with pytest.raises(Conflict):
            relays.relay(subject=decision, by=world.ana, to="acme")
        assert Relay.objects.count() == 1

    def test_a_retried_call_relays_once(self, world, ops):
        decision = _decision(world, ops)
        key = "0b5b0a39-8d9f-4a57-9a1b-c6d0f5a0e111"
        first = relays.relay(subject=decision, by=world.member, to="acme", key=key)
        again = relays.relay(subject=decision, by=world.member, to="acme", key=key)
        assert first.pk == again.pk and Relay.objects.count() == 1


class TestClosing:
    def test_the_carrier_acknowledges_with_a_reason(self, world, ops):
        relay = relays.relay(subject=_decision(world, ops), by=world.member, to="acme")
        with pytest.raises(Invalid) as exc:
            relays.acknowledge(subject=relay, by=world.delegate, reason="  ")
        assert exc.value.field == "reason"
        with pytest.raises(NotAllowed) as refused:
            relays.acknowledge(subject=relay, by=world.member, reason="Heard it")
        assert "carries it" in refused.value.message
        relays.acknowledge(subject=relay, by=world.delegate, reason="Told them at lunch")
        relay.refresh_from_db()
        assert relay.state == "acknowledged" and relay.reason == "Told them at lunch"
        assert relay.closed_by == world.delegate and relay.closed_at is not None
        with pytest.raises(Conflict):
            relays.acknowledge(subject=relay, by=world.delegate, reason="Again")

    def test_presented_names_the_minutes_of_the_receiving_circle(self, client, world, ops):
        relay = relays.relay(subject=_decision(world, ops), by=world.member, to="acme")
        wrong = _minutes(world, ops)
        with pytest.raises(Invalid) as exc:
            relays.present(subject=relay, by=world.delegate, minutes=wrong.sequence)
        assert exc.value.field == "minutes"
        minutes = _minutes(world, world.root)
        # The receiving circle's facilitator or leader (here Ada, the admin) may too.
        client.force_login(world.admin)
        page = client.get("/o/acme/c/acme/relays/").content.decode()
        assert f'data-relay="{relay.pk}"' in page and "Carried by Dee" in page
        client.post(f"/o/acme/relays/{relay.pk}/present/", {"minutes": minutes.sequence})
        relay.refresh_from_db()
        assert relay.state == "presented" and relay.minutes == minutes
        assert relay.closed_by == world.admin
        page = client.get("/o/acme/c/acme/relays/").content.decode()
        assert "Nothing waits to be relayed" in page and f"minutes #{minutes.sequence}" in page


class TestNotifications:
    """The carrier is told a relay waits for them, once; nobody else is (not
    the deciding circle's members, not the receiving circle's)."""

    @pytest.fixture
    def run(self, django_capture_on_commit_callbacks):
        def go(action, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return action(*args, **kwargs)

        return go

    def _told(self):
        from notifications.models import Notification

        return sorted(
            Notification.objects.filter(kind="relay_waiting").values_list(
                "recipient__display_name", "subject_id"
            )
        )

    def test_an_automatic_relay_tells_the_delegate_only(self, world, ops, run):
        from notifications.models import Notification

        decision = run(adopt, world, ops, measures=["Fewer trips"], domain="Purchasing")
        relay = Relay.objects.get(decision=decision)
        assert self._told() == [("Dee", relay.pk)]
        note = Notification.objects.get(kind="relay_waiting")
        assert note.url == "/o/acme/c/acme/relays/"
        from notifications.kinds import render

        assert render(note.kind, note.params) == (
            f"Decision #{decision.sequence} of Ops, “Local flour”, waits for you to carry it "
            "to Acme."
        )

    def test_by_hand_up_and_down_each_tells_its_carrier_once(self, world, ops, run):
        up = run(relays.relay, subject=_decision(world, ops, "Up"), by=world.member, to="acme")
        down = run(
            relays.relay, subject=_decision(world, world.root, "Down"), by=world.admin, to="ops"
        )
        assert self._told() == sorted([("Dee", up.pk), ("Leo", down.pk)])

    def test_the_carrier_marking_it_is_not_told_of_their_own_act(self, world, ops, run):
        run(relays.relay, subject=_decision(world, ops), by=world.delegate, to="acme")
        assert self._told() == []

    def test_no_carrier_no_notification(self, world, ops, run):
        from circles import services as circle_services
        from circles.models import RoleAssignment

        dee = RoleAssignment.objects.get(
            role__circle=ops, role__kind="delegate", ended__isnull=True
        )
        circle_services.end_assignment(assignment=dee, by=world.admin, reason="Moved away")
        run(relays.relay, subject=_decision(world, ops), by=world.member, to="acme")
        assert self._told() == []


class TestLinkHealth:
    @override_settings(RELAY_WAIT_DAYS=14)
    def test_the_count_goes_up_after_the_wait_and_back_to_zero(self, client, world, ops):
        assert double_link_health(ops) == Health.COMPLETE
        first = relays.relay(subject=_decision(world, ops, "One"), by=world.member, to="acme")
        down = relays.relay(subject=_decision(world, world.root, "Two"), by=world.admin, to="ops")
        _age(first, 13)
        assert double_link_health(ops) == Health.COMPLETE
        _age(first, 15)
        _age(down, 20)
        assert double_link_health(ops) == Health.RELAYS_WAITING
        assert health_by_circle(world.org)[ops.pk] == Health.RELAYS_WAITING
        assert relays.overdue_count(ops) == 2
        nodes = {n.circle.slug: n for n in chart.layout(world.org)["nodes"]}
        assert nodes["ops"].status == "2 decisions waiting to be relayed"
        client.force_login(world.bo)
        page = client.get("/o/acme/c/ops/").content.decode()
        assert 'data-health="relays_waiting"' in page
        assert "2 decisions have waited more than 14 days" in page
        assert client.get("/api/v1/orgs/acme/circles/ops/health").json()["relays_waiting"] == 2
        assert "2 decisions waiting to be relayed" in client.get("/o/acme/chart/").content.decode()

        relays.acknowledge(subject=first, by=world.delegate, reason="Known already")
        relays.present(subject=down, by=world.leader, minutes=_minutes(world, ops).sequence)
        assert relays.overdue_count(ops) == 0
        assert double_link_health(ops) == Health.COMPLETE
        assert client.get("/api/v1/orgs/acme/circles/ops/health").json()["relays_waiting"] == 0


class TestApi:
    def test_list_mark_present_and_acknowledge(self, client, world, ops):
        decision = _decision(world, ops)
        client.force_login(world.member)
        created = client.post(
            f"/api/v1/orgs/acme/decisions/{decision.sequence}/relay",
            {"to": "acme"},
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["direction"] == "up" and body["carrier"]["name"] == "Dee"
        refused = client.post(
            f"/api/v1/orgs/acme/relays/{body['id']}/acknowledge",
            {"reason": "no"},
            content_type="application/json",
        )
        assert refused.status_code == 403
        listed = client.get("/api/v1/orgs/acme/circles/acme/relays").json()
        assert [r["id"] for r in listed] == [body["id"]]
        client.force_login(world.delegate)
        done = client.post(
            f"/api/v1/orgs/acme/relays/{body['id']}/acknowledge",
            {"reason": "Said in the parent's chat"},
            content_type="application/json",
        )
        assert done.status_code == 200 and done.json()["state"] == "acknowledged"
        assert client.get("/api/v1/orgs/acme/circles/acme/relays").json() == []
        every = client.get("/api/v1/orgs/acme/circles/acme/relays?state=all").json()
        assert every[0]["reason"] == "Said in the parent's chat"
        client.force_login(world.outsider)
        assert client.get("/api/v1/orgs/acme/circles/acme/relays").status_code == 404
