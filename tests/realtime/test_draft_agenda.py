"""The draft agenda fills itself (``core.agenda`` sources, ``realtime``
filters): one due item of each kind in Ops and nothing from its sibling;
a dropped item comes back for the next meeting; adding an item makes it an
agenda item (a selection to open is opened); the page and the API; the
outcomes each item ends with and the minutes that show them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from circles import services as circle_services
from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import record_decision
from elections.models import Election
from proposals import services as proposals
from proposals.models import Proposal
from realtime import selectors, services
from realtime.models import AgendaDrop, AgendaItem

TEXT = "We keep quiet after 22:00."


def _schedule(circle, by, days=1, title="Weekly"):
    return services.schedule_meeting(
        circle=circle,
        title=title,
        scheduled_start=timezone.now() + timedelta(days=days),
        facilitator=by,
        by=by,
    )


def _due_things(world, circle, *, author, facilitator, holder):
    """One due thing of each kind in ``circle``: a policy whose review is a
    week away, a term ending in ten days, a proposal flagged by an objection
    in asynchronous consent, a deferred proposal."""
    today = timezone.localdate()
    with transaction.atomic():
        policy = record_decision(
            organization=world.org, kind="policy", circle=circle, title=f"Quiet hours {circle}",
            body="After 22:00.", review_date=today + timedelta(days=7),
        )  # fmt: skip
    treasurer = circle_services.create_role(circle=circle, name="Treasurer", by=world.admin)
    assignment = circle_services.assign_role(
        role=treasurer, user=holder, by=world.admin,
        term_start=today - timedelta(days=355), term_end=today + timedelta(days=10),
    )  # fmt: skip
    flagged = proposals.create_proposal(circle=circle, by=author, title="Bikes", body=TEXT)
    proposals.present(proposal=flagged, by=facilitator)
    proposals.open_async_consent(
        proposal=flagged, by=facilitator, deadline=timezone.now() + timedelta(days=2)
    )
    proposals.answer(proposal=flagged, by=holder, kind="object", text="Where do they go?")
    proposals.acknowledge(proposal=flagged, by=facilitator)
    deferred = proposals.create_proposal(circle=circle, by=author, title="Garden", body=TEXT)
    proposals.defer(proposal=deferred, by=facilitator, reason="Wait for spring")
    return {
        f"proposals.review:{policy.pk}": policy,
        f"elections.term:{assignment.pk}": assignment,
        f"proposals.flagged:{flagged.pk}": flagged,
        f"proposals.deferred:{deferred.pk}": deferred,
    }


@pytest.fixture
def due(world):
    """Ops with one due thing of each kind, and its sibling Sales with its own."""
    things = _due_things(
        world, world.ops, author=world.ana, facilitator=world.facilitator, holder=world.bo
    )
    sales = circle_services.create_circle(
        parent=world.root, name="Sales", slug="sales", by=world.admin
    )
    circle_services.add_member(circle=sales, user=world.org_member, by=world.admin)
    circle_services.add_member(circle=sales, user=world.admin, by=world.admin)
    _due_things(world, sales, author=world.org_member, facilitator=world.admin,
                holder=world.org_member)  # fmt: skip
    return things


@pytest.fixture
def weekly(world, due):
    return _schedule(world.ops, world.facilitator)


class TestTheDraft:
    def test_one_item_of_each_kind_and_nothing_of_a_sibling(self, weekly, due):
        draft = {d.key: d for d in selectors.draft_agenda(weekly)}
        assert set(draft) == set(due)
        kinds = {key.split(":")[0]: d.kind for key, d in draft.items()}
        assert kinds == {
            "proposals.review": "proposal",
            "elections.term": "election",
            "proposals.flagged": "proposal",
            "proposals.deferred": "proposal",
        }
        reasons = {key.split(":")[0]: d.reason for key, d in draft.items()}
        assert "due for review" in reasons["proposals.review"]
        assert "Bo's term as Treasurer ends on" in reasons["elections.term"]
        assert "objection" in reasons["proposals.flagged"]
        assert "Wait for spring" in reasons["proposals.deferred"]
        # Earliest due first: deferred today, the review in 7 days, the term
        # in 10; the flagged proposal has no date.
        assert [d.key.split(":")[0] for d in selectors.draft_agenda(weekly)] == [
            "proposals.deferred",
            "proposals.review",
            "elections.term",
            "proposals.flagged",
        ]

    def test_a_dropped_item_stays_out_of_this_meeting_only(self, world, weekly, due):
        key = next(k for k in due if k.startswith("proposals.review"))
        services.drop_due_item(meeting=weekly, due_key=key, by=world.facilitator)
        services.drop_due_item(meeting=weekly, due_key=key, by=world.facilitator)  # twice: once
        assert AgendaDrop.objects.filter(meeting=weekly, key=key).count() == 1
        assert key not in {d.key for d in selectors.draft_agenda(weekly)}
        later = _schedule(world.ops, world.facilitator, days=8, title="Next")
        assert key in {d.key for d in selectors.draft_agenda(later)}

    def test_adding_a_term_end_opens_the_selection_and_puts_it_on_the_agenda(
        self, world, weekly, due
    ):
        key = next(k for k in due if k.startswith("elections.term"))
        item = services.add_due_item(meeting=weekly, due_key=key, by=world.facilitator)
        election = Election.objects.get(role__circle=world.ops, role__name="Treasurer")
        assert election.state == "setup"
        assert item.kind == "election" and item.election == election and item.source_key == key
        assert item.title == "Selection: Treasurer"
        assert key not in {d.key for d in selectors.draft_agenda(weekly)}

    def test_adding_a_review_drafts_the_renewal_and_a_flagged_one_runs_itself(
        self, world, weekly, due
    ):
        review = next(k for k in due if k.startswith("proposals.review"))
        item = services.add_due_item(meeting=weekly, due_key=review, by=world.facilitator)
        renewal = item.proposal
        assert renewal.amends == due[review] and renewal.state == "draft"
        assert renewal.revisions.get().body == "After 22:00."
        flagged = next(k for k in due if k.startswith("proposals.flagged"))
        item = services.add_due_item(meeting=weekly, due_key=flagged, by=world.facilitator)
        assert item.proposal == due[flagged] and item.position == 2
        assert Proposal.objects.filter(circle=world.ops).count() == 3

    def test_only_the_facilitator_adds_or_drops_and_only_while_scheduled(self, world, weekly, due):
        key = next(iter(due))
        with pytest.raises(NotAllowed):
            services.add_due_item(meeting=weekly, due_key=key, by=world.ana)
        with pytest.raises(NotAllowed):
            services.drop_due_item(meeting=weekly, due_key=key, by=world.ana)
        with pytest.raises(Invalid):
            services.add_due_item(
                meeting=weekly, due_key="proposals.flagged:0", by=world.facilitator
            )
        assert not AgendaItem.objects.filter(meeting=weekly).exists()
        services.open_meeting(meeting=weekly, by=world.facilitator)
        weekly.refresh_from_db()
        assert selectors.draft_agenda(weekly) == []
        with pytest.raises(Conflict):
            services.add_due_item(meeting=weekly, due_key=key, by=world.facilitator)


class TestThePage:
    def _url(self, meeting, action=None):
        org = meeting.circle.organization.slug
        if action is None:
            return reverse("realtime:meeting", kwargs={"org": org, "meeting_id": meeting.pk})
        return reverse(
            "realtime:draft", kwargs={"org": org, "meeting_id": meeting.pk, "action": action}
        )

    def test_the_facilitator_sees_each_reason_and_adds_and_drops_with_htmx(
        self, client, world, weekly, due
    ):
        client.force_login(world.facilitator)
        page = client.get(self._url(weekly)).content.decode()
        assert "Proposed for this meeting" in page
        assert "Wait for spring" in page and "Bo&#x27;s term as Treasurer" in page
        flagged = next(k for k in due if k.startswith("proposals.flagged"))
        response = client.post(
            self._url(weekly, "add"),
            {"key": flagged, "idempotency_key": "7d0c1c4e-9a3b-4f7e-8d0e-1a2b3c4d5e6f"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        fragment = response.content.decode()
        assert fragment.lstrip().startswith('<div id="agenda-panels">')
        assert AgendaItem.objects.get(meeting=weekly).proposal == due[flagged]
        deferred = next(k for k in due if k.startswith("proposals.deferred"))
        response = client.post(
            self._url(weekly, "drop"), {"key": deferred}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200 and "Wait for spring" not in response.content.decode()
        assert AgendaDrop.objects.filter(meeting=weekly, key=deferred).exists()

    def test_a_member_sees_the_reasons_without_the_buttons_and_cannot_add(
        self, client, world, weekly, due
    ):
        client.force_login(world.ana)
        page = client.get(self._url(weekly)).content.decode()
        assert "Wait for spring" in page and 'name="key"' not in page
        response = client.post(
            self._url(weekly, "add"), {"key": next(iter(due))}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 403
        assert "Only the meeting&#x27;s facilitator" in response.content.decode()
        assert not AgendaItem.objects.filter(meeting=weekly).exists()


class TestTheApi:
    def test_list_add_and_drop_by_key(self, client, world, weekly, due):
        client.force_login(world.facilitator)
        base = f"/api/v1/orgs/acme/meetings/{weekly.pk}/draft"
        listed = client.get(base).json()
        assert {d["key"] for d in listed} == set(due)
        assert all(d["reason"] for d in listed)
        term = next(k for k in due if k.startswith("elections.term"))
        response = client.post(f"{base}/add", {"item_key": term}, content_type="application/json")
        assert response.status_code == 201
        assert response.json()["items"][0]["kind"] == "election"
        assert response.json()["items"][0]["election"] is not None
        deferred = next(k for k in due if k.startswith("proposals.deferred"))
        response = client.post(
            f"{base}/drop", {"item_key": deferred}, content_type="application/json"
        )
        assert response.status_code == 200
        assert {d["key"] for d in response.json()} == set(due) - {term, deferred}
        response = client.post(f"{base}/add", {"item_key": "nope"}, content_type="application/json")
        assert response.status_code == 400 and response.json()["detail"]

    def test_a_member_may_read_not_change(self, client, world, weekly, due):
        client.force_login(world.ana)
        base = f"/api/v1/orgs/acme/meetings/{weekly.pk}/draft"
        assert len(client.get(base).json()) == 4
        response = client.post(
            f"{base}/drop", {"item_key": next(iter(due))}, content_type="application/json"
        )
        assert response.status_code == 403
        assert not AgendaDrop.objects.exists()


class TestOutcomes:
    def test_each_item_ends_with_its_outcome_and_the_minutes_show_them(self, world, weekly, due):
        fay, ana = world.facilitator, world.ana
        flagged = next(k for k in due if k.startswith("proposals.flagged"))
        term = next(k for k in due if k.startswith("elections.term"))
        deferred = next(k for k in due if k.startswith("proposals.deferred"))
        fresh = proposals.create_proposal(circle=world.ops, by=ana, title="Tea", body=TEXT)
        adopted_item = services.add_item(meeting=weekly, kind="proposal", proposal=fresh, by=fay)
        news = services.add_item(meeting=weekly, kind="report", title="News", by=fay)
        selection = services.add_due_item(meeting=weekly, due_key=term, by=fay)
        flagged_item = services.add_due_item(meeting=weekly, due_key=flagged, by=fay)
        services.open_meeting(meeting=weekly, by=fay)
        services.join(meeting=weekly, user=ana)
        proposals.present(proposal=fresh, by=fay)
        proposals.open_reactions(proposal=fresh, by=fay)
        proposals.close_round(proposal=fresh, by=fay)
        proposals.open_consent_round(proposal=fresh, by=fay, mode="reveal")
        for who in (fay, ana):
            proposals.answer(proposal=fresh, by=who, kind="consent")
        proposals.acknowledge(proposal=fresh, by=fay)
        fresh.refresh_from_db()
        assert fresh.state == "adopted"
        services.set_current_item(meeting=weekly, item=news, by=fay)
        adopted_item.refresh_from_db()
        assert adopted_item.outcome == "decided" and adopted_item.decision == fresh.decision
        services.save_notes(item=news, notes="The shop opens in May.", by=fay)
        services.set_current_item(meeting=weekly, item=selection, by=fay)
        news.refresh_from_db()
        assert news.outcome == "noted"
        services.close_meeting(meeting=weekly, by=fay)
        outcomes = dict(AgendaItem.objects.filter(meeting=weekly).values_list("pk", "outcome"))
        assert outcomes == {
            adopted_item.pk: "decided",
            news.pk: "noted",
            selection.pk: "selection_opened",
            flagged_item.pk: "deferred",  # not reached: to the next meeting
        }
        weekly.refresh_from_db()
        record = weekly.minutes.record
        assert [i["outcome"] for i in record["items"]] == [
            "decided", "noted", "selection_opened", "deferred",
        ]  # fmt: skip
        assert record["items"][0]["decision"] == fresh.decision.sequence
        assert record["items"][0]["decision_hash"] == fresh.decision.hash
        assert "Tea — Decided (#" in weekly.minutes.body
        # The next meeting is proposed what this one left unfinished, and
        # what is still due (the deferred proposal it never took up).
        later = _schedule(world.ops, fay, days=8, title="Next")
        keys = {d.key for d in selectors.draft_agenda(later)}
        assert f"realtime.carried:{flagged_item.pk}" in keys or flagged in keys
        assert deferred in keys
        assert Decision.objects.filter(kind="minutes", circle=world.ops).count() == 1

    def test_the_minutes_page_and_pdf_show_attendance_outcomes_links_and_hashes(
        self, client, world, weekly
    ):
        fay, ana = world.facilitator, world.ana
        fresh = proposals.create_proposal(circle=world.ops, by=ana, title="Tea", body=TEXT)
        services.add_item(meeting=weekly, kind="proposal", proposal=fresh, by=fay)
        services.add_item(meeting=weekly, kind="report", title="News", by=fay)
        services.open_meeting(meeting=weekly, by=fay)
        services.join(meeting=weekly, user=ana)
        proposals.present(proposal=fresh, by=fay)
        proposals.open_reactions(proposal=fresh, by=fay)
        proposals.close_round(proposal=fresh, by=fay)
        proposals.open_consent_round(proposal=fresh, by=fay, mode="reveal")
        for who in (fay, ana):
            proposals.answer(proposal=fresh, by=who, kind="consent")
        proposals.acknowledge(proposal=fresh, by=fay)
        services.close_meeting(meeting=weekly, by=fay)
        weekly.refresh_from_db()
        fresh.refresh_from_db()
        client.force_login(ana)
        seq = weekly.minutes.sequence
        page = client.get(reverse("logbook:detail", kwargs={"org": "acme", "seq": seq}))
        html = page.content.decode()
        assert "Decided" in html and "Deferred to the next meeting" in html
        assert f">#{fresh.decision.sequence}</a>" in html and fresh.decision.hash in html
        assert "Ana" in html and "Fay" in html
        meeting_page = client.get(weekly.get_absolute_url()).content.decode()
        assert "Decided" in meeting_page and f"#{fresh.decision.sequence}" in meeting_page
        import io

        from pypdf import PdfReader

        pdf = client.get(reverse("logbook:pdf", kwargs={"org": "acme", "seq": seq})).content
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        text = text.replace("\n", "")
        for expected in ("Tea", "Decided", "Deferred to the next meeting", "Ana",
                         fresh.decision.hash[:16]):  # fmt: skip
            assert expected in text, expected


def test_the_demo_collective_s_next_meetings_already_hold_what_is_due(db):
    """The demo's meetings: the general circle's draft proposes the deferred
    proposal, Approvisionnement's the term of its tours' coordination."""
    from django.core.management import call_command

    from realtime.models import Meeting

    call_command("seed_demo", verbosity=0)
    drafts = {
        m.circle.slug: [d.title for d in selectors.draft_agenda(m)]
        for m in Meeting.objects.filter(state="scheduled").select_related("circle")
    }
    assert "Fête de la coopérative en juin" in drafts["breizh-coop"]
    assert "Selection: Coordination des tournées" in drafts["approvisionnement"]
