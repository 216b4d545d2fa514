"""Tensions routed by domain: who may raise and route, the route a tension
takes and its history, the raiser told at each step, the routing deadline."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from core import jobs
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from notifications.models import Notification
from proposals.models import Proposal
from realtime import services as meeting_services
from realtime.models import AgendaItem
from tensions import selectors, services
from tensions.models import Tension, TensionEvent

from .conftest import api_for, client_for

pytestmark = pytest.mark.django_db

TEXT = {"title": "Bins overflow", "what_is": "The bins overflow on Mondays."}


def _raise(world, by=None, circle="ops", **more):
    circle = {"ops": world.ops, "root": world.root, None: None}.get(circle, circle)
    return services.raise_tension(
        organization=world.org, circle=circle, by=by or world.org_member, **{**TEXT, **more}
    )


def _events(tension):
    return list(
        TensionEvent.objects.filter(tension=tension).values_list(
            "action", "from_circle__slug", "to_circle__slug", "via_circle__slug"
        )
    )


# Who may do what -------------------------------------------------------------------

RAISERS = ["admin", "leader", "delegate", "facilitator", "member", "org_member"]
OPS_ROUTERS = ["leader", "delegate", "facilitator", "member"]
NOT_OPS = ["admin", "org_member"]  # of the organization, not of Ops
OUTSIDERS = ["outsider", "other_member"]


class TestRaising:
    @pytest.mark.parametrize("persona", RAISERS)
    @pytest.mark.parametrize("where", ["ops", "root", None])
    def test_it_lets_any_member_of_the_organization_raise_anywhere(self, world, persona, where):
        tension = _raise(world, by=getattr(world, persona), circle=where)
        assert tension.state == "open"
        assert tension.circle == (world.ops if where == "ops" else world.root)
        assert _events(tension)[0][0] == "raised"

    @pytest.mark.parametrize("persona", OUTSIDERS)
    def test_an_outsider_learns_nothing(self, world, persona):
        with pytest.raises(NotFound):
            _raise(world, by=getattr(world, persona))
        user = getattr(world, persona)
        assert client_for(user).get("/o/acme/tensions/new/").status_code == 404
        answer = Client().post(
            "/api/v1/orgs/acme/tensions",
            json.dumps({**TEXT, "circle": "ops"}),
            content_type="application/json",
            **api_for(user),
        )
        assert answer.status_code == 404
        assert Tension.objects.count() == 0

    def test_i_dont_know_which_lands_at_the_root_and_keeps_that_it_was_unsure(self, world):
        tension = _raise(world, circle=None)
        assert tension.circle == world.root
        assert tension.raised_on is None and tension.unsure
        assert list(selectors.backlog(world.root)) == [tension]
        page = client_for(world.org_member).get(f"/o/acme/tensions/{tension.pk}/")
        assert "I don't know which" in page.content.decode()

    def test_a_dissolved_circle_takes_no_tension(self, world, seeds):
        from circles import services as circle_services

        circle_services.dissolve_circle(circle=seeds, by=world.admin, reason="Done")
        seeds.refresh_from_db()
        with pytest.raises(Conflict):
            _raise(world, circle=seeds)

    def test_a_retried_raise_with_the_same_key_raises_once(self, world):
        key = str(uuid.uuid4())
        first = _raise(world, key=key)
        again = _raise(world, key=key)
        assert first == again and Tension.objects.count() == 1

    def test_the_page_keeps_what_was_typed_with_the_error_at_its_field(self, world):
        client = client_for(world.org_member)
        page = client.post(
            "/o/acme/tensions/new/",
            {"circle": "ops", "title": "", "what_is": "Something is off"},
        )
        assert page.status_code == 400
        html = page.content.decode()
        assert "Something is off" in html and 'class="field-error"' in html
        assert Tension.objects.count() == 0

    def test_the_page_raises_one(self, world):
        client = client_for(world.org_member)
        page = client.post("/o/acme/tensions/new/", {"circle": "", **TEXT})
        tension = Tension.objects.get()
        assert page.status_code == 302 and page["Location"] == tension.get_absolute_url()
        assert tension.circle == world.root and tension.unsure

    def test_the_circle_and_organization_pages_link_to_raising(self, world):
        client = client_for(world.org_member)
        assert "/o/acme/tensions/new/?circle=ops" in client.get("/o/acme/c/ops/").content.decode()
        assert "/o/acme/tensions/new/" in client.get("/o/acme/").content.decode()


class TestRouting:
    @pytest.mark.parametrize("persona", OPS_ROUTERS)
    def test_members_of_the_circle_may_forward(self, world, persona):
        tension = _raise(world)
        services.forward(tension=tension, by=getattr(world, persona), to="acme", reason="Root's")
        tension.refresh_from_db()
        assert tension.circle == world.root

    @pytest.mark.parametrize("persona", NOT_OPS)
    def test_others_of_the_organization_may_not_route(self, world, persona):
        tension = _raise(world)
        user = getattr(world, persona)
        for step, data in (
            ("forward", {"to": "acme", "reason": "x"}),
            ("take", {"outcome": "proposal"}),
            ("answer", {"text": "x"}),
        ):
            with pytest.raises(NotAllowed) as refused:
                getattr(services, step)(tension=tension, by=user, **data)
            assert "Only a member of the circle or its facilitator" in refused.value.message
            answer = Client().post(
                f"/api/v1/orgs/acme/tensions/{tension.pk}/{step}",
                json.dumps(data),
                content_type="application/json",
                **api_for(user),
            )
            assert answer.status_code == 403, step
            page = client_for(user).post(f"/o/acme/tensions/{tension.pk}/{step}/", data)
            assert page.status_code == 403, step
        tension.refresh_from_db()
        assert tension.state == "open" and tension.circle == world.ops
        assert _events(tension) == [("raised", None, "ops", None)]
        # They see it, and no action form.
        html = client_for(user).get(f"/o/acme/tensions/{tension.pk}/").content.decode()
        assert TEXT["title"] in html and "action-forward" not in html

    @pytest.mark.parametrize("persona", [*OUTSIDERS, "anonymous"])
    def test_outsiders_see_nothing_page_and_api(self, world, persona):
        tension = _raise(world)
        user = None if persona == "anonymous" else getattr(world, persona)
        client = client_for(user)
        for url in (
            f"/o/acme/tensions/{tension.pk}/",
            "/o/acme/tensions/c/ops/",
        ):
            assert client.get(url).status_code == 404
        for url in (
            f"/api/v1/orgs/acme/tensions/{tension.pk}",
            "/api/v1/orgs/acme/circles/ops/tensions",
            "/api/v1/orgs/acme/tensions",
        ):
            assert Client().get(url, **api_for(user)).status_code == (401 if user is None else 404)
        if user is not None:
            with pytest.raises(NotFound):
                services.forward(tension=tension, by=user, to="acme", reason="x")
            answer = client.post(f"/o/acme/tensions/{tension.pk}/take/", {"outcome": "proposal"})
            assert answer.status_code == 404
        tension.refresh_from_db()
        assert tension.state == "open"

    def test_a_forward_needs_a_reason_and_a_route(self, world, seeds):
        tension = _raise(world)
        with pytest.raises(Invalid) as missing:
            services.forward(tension=tension, by=world.member, to="acme", reason=" ")
        assert missing.value.field == "reason"
        with pytest.raises(Invalid) as nowhere:
            services.forward(tension=tension, by=world.member, to="ops", reason="itself")
        assert nowhere.value.field == "to"
        assert [r.circle.slug for r in selectors.routes(world.ops)] == ["acme", "seeds"]


class TestTheRouteOfATension:
    def test_raised_on_the_wrong_circle_forwarded_twice_and_taken(self, world, seeds, run):
        olga = world.org_member
        tension = run(_raise, world, by=olga)
        # Mia (Ops): it is Seeds's, a sibling: through the parent.
        run(services.forward, tension=tension, by=world.member, to="seeds", reason="Seeds' bins")
        # Bo (Seeds): the whole site's, the root's.
        run(services.forward, tension=tension, by=world.bo, to="acme", reason="Every site")
        assert list(selectors.backlog(world.root)) == [tension]
        run(services.take, tension=tension, by=world.admin, outcome="proposal")
        tension.refresh_from_db()
        assert (tension.state, tension.outcome, tension.circle) == ("taken", "proposal", world.root)
        proposal = Proposal.objects.get(pk=tension.proposal_id)
        assert proposal.circle == world.root and proposal.state == "draft"
        assert proposal.title == TEXT["title"]
        assert TEXT["what_is"] in proposal.revisions.get().body
        assert _events(tension) == [
            ("raised", None, "ops", None),
            ("forwarded", "ops", "seeds", "acme"),
            ("forwarded", "seeds", "acme", None),
            ("taken", "acme", None, None),
        ]
        history = list(TensionEvent.objects.filter(tension=tension))
        assert [e.by for e in history] == [olga, world.member, world.bo, world.admin]
        assert [e.reason for e in history[1:3]] == ["Seeds' bins", "Every site"]
        assert list(selectors.backlog(world.root)) == []
        # Olga is told at each step, nobody else.
        told = Notification.objects.filter(kind__startswith="tension_").order_by("pk")
        assert [(n.kind, n.recipient) for n in told] == [
            ("tension_forwarded", olga),
            ("tension_forwarded", olga),
            ("tension_taken", olga),
        ]
        assert told[0].url == tension.get_absolute_url()
        # The page shows the whole history, the route through the parent too.
        html = client_for(olga).get(tension.get_absolute_url()).content.decode()
        assert "through Acme" in html and "Every site" in html
        # The API says the same.
        detail = Client().get(f"/api/v1/orgs/acme/tensions/{tension.pk}", **api_for(olga)).json()
        assert [h["action"] for h in detail["history"]] == [
            "raised",
            "forwarded",
            "forwarded",
            "taken",
        ]
        assert detail["history"][1]["via_circle"] == "acme"
        assert detail["proposal"] == proposal.pk

    def test_taken_as_an_item_of_the_next_meeting(self, world, run):
        meeting = meeting_services.schedule_meeting(
            circle=world.ops,
            title="Ops weekly",
            scheduled_start=timezone.now() + timedelta(days=2),
            facilitator=world.facilitator,
            by=world.facilitator,
        )
        tension = _raise(world)
        run(services.take, tension=tension, by=world.facilitator, outcome="agenda_item")
        tension.refresh_from_db()
        item = AgendaItem.objects.get(pk=tension.agenda_item_id)
        assert item.meeting == meeting and item.title == TEXT["title"]

    def test_no_meeting_scheduled_leaves_it_open(self, world):
        tension = _raise(world)
        with pytest.raises(Conflict):
            services.take(tension=tension, by=world.facilitator, outcome="agenda_item")
        tension.refresh_from_db()
        assert tension.state == "open" and tension.events.count() == 1

    def test_taken_as_a_selection(self, world):
        from circles.models import Role

        role = Role.objects.get(circle=world.ops, kind="secretary")
        tension = _raise(world)
        services.take(tension=tension, by=world.facilitator, outcome="selection", role=role.pk)
        tension.refresh_from_db()
        assert tension.election.role == role and tension.outcome == "selection"

    def test_a_plain_member_may_not_open_a_selection_and_nothing_changes(self, world):
        from circles.models import Role

        role = Role.objects.get(circle=world.ops, kind="secretary")
        tension = _raise(world)
        with pytest.raises(NotAllowed) as refused:
            services.take(tension=tension, by=world.member, outcome="selection", role=role.pk)
        assert "as an item for the next meeting" in refused.value.message
        tension.refresh_from_db()
        assert tension.state == "open" and tension.election_id is None

    def test_a_plain_member_takes_it_as_an_item_proposed_for_the_next_meeting(self, world, run):
        """Mia arranges no agenda: taking it as an item proposes it on the
        next meeting's draft (scheduled later), where Fay adds it once."""
        from realtime import selectors as meeting_selectors

        tension = run(_raise, world)
        run(services.take, tension=tension, by=world.member, outcome="agenda_item")
        tension.refresh_from_db()
        assert (tension.state, tension.outcome, tension.agenda_item_id) == (
            "taken",
            "agenda_item",
            None,
        )
        assert list(selectors.backlog(world.ops)) == []
        assert [n.recipient for n in Notification.objects.filter(kind="tension_taken")] == [
            world.org_member
        ]
        weekly = meeting_services.schedule_meeting(
            circle=world.ops,
            title="Ops weekly",
            scheduled_start=timezone.now() + timedelta(days=2),
            facilitator=world.facilitator,
            by=world.facilitator,
        )
        key = f"tensions.proposed:{tension.pk}"
        draft = {d.key: d for d in meeting_selectors.draft_agenda(weekly)}
        assert draft[key].kind == "other" and draft[key].title == TEXT["title"]
        assert draft[key].reason == "Taken up by Mia for this meeting: a tension raised by Olga."
        assert f"tensions.backlog:{tension.pk}" not in draft
        item = meeting_services.add_due_item(meeting=weekly, due_key=key, by=world.facilitator)
        assert (item.kind, item.source_key) == ("other", key)
        later = meeting_services.schedule_meeting(
            circle=world.ops,
            title="Ops later",
            scheduled_start=timezone.now() + timedelta(days=9),
            facilitator=world.facilitator,
            by=world.facilitator,
        )
        assert key not in {d.key for d in meeting_selectors.draft_agenda(later)}
        html = client_for(world.org_member).get(tension.get_absolute_url()).content.decode()
        assert "proposed for the next meeting" in html

    def test_a_plain_member_is_offered_what_they_may_take_it_as(self, world):
        from tensions import steps

        tension = _raise(world)
        mia = dict(steps.take_outcomes(tension, world.member))
        assert list(mia) == ["proposal", "agenda_item"]
        assert str(mia["agenda_item"]) == "An item proposed for the next meeting"
        assert list(dict(steps.take_outcomes(tension, world.facilitator))) == [
            "proposal",
            "selection",
            "agenda_item",
        ]
        html = client_for(world.member).get("/o/acme/tensions/c/ops/").content.decode()
        assert 'value="selection"' not in html and "Role to select for" not in html
        assert "An item proposed for the next meeting" in html
        html = client_for(world.facilitator).get("/o/acme/tensions/c/ops/").content.decode()
        assert 'value="selection"' in html and "Role to select for" in html

    def test_a_plain_member_takes_it_as_a_draft_proposal(self, world):
        tension = _raise(world)
        services.take(tension=tension, by=world.ana, outcome="proposal")
        tension.refresh_from_db()
        proposal = Proposal.objects.get(pk=tension.proposal_id)
        assert proposal.author == world.ana and proposal.state == "draft"

    def test_answered(self, world, run):
        tension = run(_raise, world)
        run(services.answer, tension=tension, by=world.ana, text="Emptied on Sundays now.")
        tension.refresh_from_db()
        assert (tension.state, tension.answer) == ("answered", "Emptied on Sundays now.")
        assert Notification.objects.get(kind="tension_answered").recipient == world.org_member

    def test_a_closed_tension_takes_no_further_step(self, world):
        tension = _raise(world)
        services.answer(tension=tension, by=world.ana, text="Done.")
        with pytest.raises(Conflict):
            services.forward(tension=tension, by=world.ana, to="acme", reason="x")

    def test_the_backlog_takes_it_with_htmx_and_answers_with_its_row(self, world):
        tension = _raise(world)
        client = client_for(world.member)
        backlog = client.get("/o/acme/tensions/c/ops/").content.decode()
        assert f'id="tension-{tension.pk}"' in backlog and "action-take" in backlog
        row = client.post(
            f"/o/acme/tensions/{tension.pk}/forward/",
            {"to": "acme", "reason": "", "place": "backlog", "circle": "ops"},
            HTTP_HX_REQUEST="true",
        )
        html = row.content.decode()
        assert row.status_code == 400 and html.lstrip().startswith("<li")
        assert 'class="field-error"' in html
        row = client.post(
            f"/o/acme/tensions/{tension.pk}/forward/",
            {"to": "acme", "reason": "The root's", "place": "backlog", "circle": "ops"},
            HTTP_HX_REQUEST="true",
        )
        assert row.status_code == 200 and "action-take" not in row.content.decode()
        tension.refresh_from_db()
        assert tension.circle == world.root

    def test_the_api_takes_it_once_with_an_idempotency_key(self, world):
        tension = _raise(world)
        headers = {**api_for(world.member), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
        for _ in range(2):
            answer = Client().post(
                f"/api/v1/orgs/acme/tensions/{tension.pk}/take",
                json.dumps({"outcome": "proposal"}),
                content_type="application/json",
                **headers,
            )
            assert answer.status_code == 200
        assert Proposal.objects.filter(circle=world.ops).count() == 1
        assert answer.json()["state"] == "taken"

    def test_my_tensions(self, world):
        mine = _raise(world)
        _raise(world, by=world.member, title="Another")
        page = client_for(world.org_member).get("/o/acme/tensions/").content.decode()
        assert mine.title in page and "Another" not in page
        listed = Client().get("/api/v1/orgs/acme/tensions?mine=true", **api_for(world.org_member))
        assert [t["id"] for t in listed.json()] == [mine.pk]


class TestTheRoutingDeadline:
    def _age(self, tension, days):
        Tension.objects.filter(pk=tension.pk).update(arrived=timezone.now() - timedelta(days=days))

    @override_settings(TENSION_ROUTE_DAYS=7)
    def test_an_unrouted_tension_moves_up_by_the_scheduled_job(self, world, run):
        tension = _raise(world)
        fresh = _raise(world, title="Fresh")
        at_root = _raise(world, circle="root", title="At the root")
        for t in (tension, at_root):
            self._age(t, 8)
        self._age(fresh, 6)
        # The worker's scheduler enqueues the hourly job; it runs at once here.
        keys = run(jobs.schedule_due)
        assert any(k.startswith("tensions-escalate:") for k in keys)
        tension.refresh_from_db()
        assert tension.circle == world.root and tension.state == "open"
        assert _events(tension)[-1] == ("escalated", "ops", "acme", None)
        assert tension.events.last().by is None
        fresh.refresh_from_db()
        at_root.refresh_from_db()
        assert fresh.circle == world.ops and at_root.circle == world.root  # stays
        assert at_root.events.count() == 1
        note = Notification.objects.get(kind="tension_escalated")
        assert note.recipient == world.org_member
        # Run again: nothing moves twice (it just arrived at the root).
        assert services.escalate_unrouted() == 0

    def test_a_forward_starts_the_clock_again(self, world):
        tension = _raise(world)
        self._age(tension, 30)
        services.forward(tension=tension, by=world.member, to="acme", reason="x")
        assert services.escalate_unrouted() == 0


class TestTheDraftAgenda:
    def test_the_open_backlog_is_proposed_for_the_circles_next_meeting(self, world):
        from core import agenda

        first = _raise(world)
        second = _raise(world, title="Second")
        answered = _raise(world, title="Answered")
        services.answer(tension=answered, by=world.ana, text="Done.")
        _raise(world, circle="root", title="The root's")
        items = [i for i in agenda.due_items(world.ops) if i.key.startswith("tensions.")]
        assert [i.key for i in items] == [
            f"tensions.backlog:{first.pk}",
            f"tensions.backlog:{second.pk}",
        ]
        assert items[0].kind == "other" and items[0].subject == first
        assert "Olga" in items[0].reason and items[0].url == first.get_absolute_url()
