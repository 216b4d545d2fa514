"""The whole consent process, written as the facilitator runs it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.errors import Conflict, Invalid
from core.idempotency import new_key
from decisions.models import Decision
from decisions.services import verify_log
from proposals import services
from proposals.models import Objection, Proposal, ProposalEvent, Response, Round

TEXT = "We buy **local** flour from the mill, at most 2 km away."
AMENDED = "We buy **local** flour from the mill, at most 20 km away."


def _person(u):
    return {"id": u.pk, "name": u.name}


def _state(p):
    return Proposal.objects.get(pk=p.pk).state


class TestLiveConsentProcess:
    def test_it_runs_from_draft_to_adoption_with_an_objection_integrated(self, team):
        fay, (ana, bo, cy) = team.facilitator, team.members
        p = services.create_proposal(circle=team.circle, by=ana, title="Local flour", body=TEXT)
        assert p.state == "draft" and p.revisions.get().number == 1

        services.present(proposal=p, by=fay)
        services.open_clarifying(proposal=p, by=fay, start_with=ana.pk)
        round_ = Round.objects.get(kind="clarifying")
        assert round_.speakers[0] == ana.pk
        # In turn, from the first speaker picked by the facilitator.
        order = round_.speakers
        people = {u.pk: u for u in team.participants}
        q = None
        for uid in order:
            if uid == bo.pk:
                q = services.answer(proposal=p, by=bo, kind="question", text="Which mill?")
            else:
                services.answer(proposal=p, by=people[uid], kind="pass")
        services.reply(proposal=p, by=ana, response_id=q.pk, text="The one in Kervignac.")
        assert Response.objects.get(pk=q.pk).reply == "The one in Kervignac."

        services.open_reactions(proposal=p, by=fay, mode=Round.Mode.REVEAL)
        for u in team.participants:
            services.answer(proposal=p, by=u, kind="reaction", text=f"{u.name} likes it")
        services.close_round(proposal=p, by=fay)

        services.open_consent_round(proposal=p, by=fay, revision=1, mode=Round.Mode.REVEAL)
        services.answer(proposal=p, by=ana, kind="consent")
        services.answer(proposal=p, by=bo, kind="object", text="2 km excludes every mill we know")
        services.answer(proposal=p, by=cy, kind="consent", concern="Watch the price")
        services.answer(proposal=p, by=fay, kind="consent")
        services.acknowledge(proposal=p, by=fay)
        assert _state(p) == "objections"
        objection = Objection.objects.get()
        assert objection.state == "open" and objection.member == bo

        with pytest.raises(Conflict):
            services.adopt(proposal=p, by=fay)
        assert _state(p) == "objections" and not Decision.objects.filter(kind="policy").exists()

        services.open_round(proposal=p, by=fay, start_with=bo.pk)
        services.answer(proposal=p, by=bo, kind="reaction", text="20 km would do")
        services.close_round(proposal=p, by=fay)
        rev2 = services.amend(proposal=p, by=ana, body=AMENDED, change_note="2 km → 20 km")
        assert rev2.number == 2
        with pytest.raises(Invalid):
            services.resolve_objection(
                proposal=p, by=fay, objection_id=objection.pk, resolution="integrated", revision=9
            )
        services.resolve_objection(
            proposal=p,
            by=fay,
            objection_id=objection.pk,
            resolution="integrated",
            revision=2,
            reason="Distance raised to 20 km",
        )
        services.open_consent_round(proposal=p, by=fay, revision=2, mode=Round.Mode.REVEAL)
        for u in team.participants:
            services.answer(
                proposal=p, by=u, kind="consent", concern="Watch the price" if u == cy else ""
            )
        review = timezone.localdate() + timedelta(days=365)
        services.acknowledge(proposal=p, by=fay, review_date=review)

        p.refresh_from_db()
        assert p.state == "adopted"
        d = p.decision
        assert d.kind == "policy" and d.title == "Local flour" and d.body == AMENDED
        assert d.circle == team.circle and d.review_date == review
        r = d.record
        assert r["action"] == "policy_adopted"
        assert r["by"] == _person(fay)
        assert r["meeting"] is None
        assert r["proposal"] == {"id": p.pk, "title": "Local flour", "author": _person(ana)}
        assert r["revision"] == {"id": rev2.pk, "number": 2}
        final_round = Round.objects.filter(kind="consent").order_by("-pk").first()
        assert [x["id"] for x in r["participants"]] == final_round.speakers
        assert sorted(x["member"]["id"] for x in r["positions"]) == sorted(
            u.pk for u in team.participants
        )
        assert {x["position"] for x in r["positions"]} == {"consent"}
        assert r["objections"] == [
            {
                "member": _person(bo),
                "reason": "2 km excludes every mill we know",
                "state": "integrated",
                "resolution": "Distance raised to 20 km",
                "revision": 2,
            }
        ]
        assert r["concerns"] == [{"member": _person(cy), "text": "Watch the price"}]
        assert [x["kind"] for x in r["rounds"]] == [
            "clarifying",
            "reaction",
            "consent",
            "reaction",
            "consent",
        ]
        assert r["rounds"][0]["responses"][0]["member"]["id"] == ana.pk
        assert r["review_date"] == review.isoformat()
        assert r["amends"] is None
        assert verify_log(organization_id=team.organization.pk).ok
        actions = list(ProposalEvent.objects.filter(proposal=p).values_list("action", flat=True))
        assert actions[:3] == ["create", "present", "open_clarifying"]
        assert actions[-1] == "acknowledge"
        assert all(e.by_id for e in ProposalEvent.objects.filter(proposal=p))


class TestAsyncConsent:
    def _open(self, team, days=3):
        fay, ana = team.facilitator, team.members[0]
        p = services.create_proposal(circle=team.circle, by=ana, title="Quiet hours", body=TEXT)
        services.present(proposal=p, by=fay)
        deadline = timezone.now() + timedelta(days=days)
        services.open_async_consent(proposal=p, by=fay, deadline=deadline)
        return p

    def test_it_is_adopted_by_the_last_consent_before_the_deadline(self, team):
        p = self._open(team)
        for u in team.participants[:-1]:
            services.answer(proposal=p, by=u, kind="consent")
            assert _state(p) == "consent"
        services.answer(proposal=p, by=team.participants[-1], kind="consent")
        p.refresh_from_db()
        assert p.state == "adopted" and p.decision.kind == "policy"
        assert len(p.decision.record["positions"]) == len(team.participants)
        assert verify_log(organization_id=team.organization.pk).ok

    def test_an_objection_keeps_it_open_and_flags_it_then_it_is_integrated(self, team):
        fay, (ana, bo, cy) = team.facilitator, team.members
        p = self._open(team)
        services.answer(proposal=p, by=bo, kind="object", text="Too early for night shifts")
        for u in (fay, ana, cy):
            services.answer(proposal=p, by=u, kind="consent")
        p.refresh_from_db()
        assert p.state == "consent" and p.flagged_for_meeting
        services.acknowledge(proposal=p, by=fay)
        assert _state(p) == "objections"
        services.amend(proposal=p, by=ana, body=AMENDED, change_note="later")
        o = Objection.objects.get()
        services.resolve_objection(
            proposal=p, by=fay, objection_id=o.pk, resolution="integrated", revision=2
        )
        services.open_async_consent(proposal=p, by=fay, deadline=timezone.now() + timedelta(days=2))
        for u in team.participants:
            services.answer(proposal=p, by=u, kind="consent")
        p.refresh_from_db()
        assert p.state == "adopted"
        assert p.decision.record["objections"][0]["state"] == "integrated"
        assert p.decision.record["revision"]["number"] == 2

    def test_after_the_deadline_answers_are_refused_and_it_waits(self, team):
        p = self._open(team)
        Proposal.objects.filter(pk=p.pk).update(
            consent_deadline=timezone.now() - timedelta(minutes=1)
        )
        with pytest.raises(Conflict):
            services.answer(proposal=p, by=team.members[0], kind="consent")
        assert not Response.objects.exists() and _state(p) == "consent"

    def test_it_reminds_each_member_who_has_not_answered_once(self, team):
        p = self._open(team)
        services.answer(proposal=p, by=team.members[0], kind="consent")
        call_command("send_consent_reminders")
        call_command("send_consent_reminders")
        assert len(mail.outbox) == len(team.participants) - 1
        assert team.members[0].email not in {m.to[0] for m in mail.outbox}
        assert Proposal.objects.get(pk=p.pk).reminded is not None


class TestBadInput:
    @pytest.fixture
    def consent(self, team):
        p = services.create_proposal(circle=team.circle, by=team.members[0], title="T", body=TEXT)
        services.present(proposal=p, by=team.facilitator)
        services.open_reactions(proposal=p, by=team.facilitator, mode="reveal")
        services.close_round(proposal=p, by=team.facilitator)
        services.open_consent_round(proposal=p, by=team.facilitator, mode="reveal")
        return p

    def _nothing_changed(self, p, responses=0):
        assert Response.objects.filter(round__kind="consent").count() == responses
        assert not Objection.objects.exists()

    def test_it_refuses_an_objection_without_a_reason(self, team, consent):
        with pytest.raises(Invalid):
            services.answer(proposal=consent, by=team.members[1], kind="object", text="  ")
        self._nothing_changed(consent)

    def test_it_refuses_a_pass_in_a_consent_round(self, team, consent):
        with pytest.raises(Invalid):
            services.answer(proposal=consent, by=team.members[1], kind="pass")
        self._nothing_changed(consent)

    def test_it_refuses_an_answer_after_the_round_closed(self, team, consent):
        services.acknowledge(proposal=consent, by=team.facilitator)
        with pytest.raises(Conflict):
            services.answer(proposal=consent, by=team.members[1], kind="consent")
        self._nothing_changed(consent)

    def test_it_refuses_a_revision_that_does_not_exist(self, team, consent):
        services.step_back(proposal=consent, by=team.facilitator, reason="Rephrase")
        with pytest.raises(Invalid):
            services.open_consent_round(proposal=consent, by=team.facilitator, revision=7)
        assert _state(consent) == "reactions"

    def test_it_refuses_a_step_the_table_does_not_allow(self, team, consent):
        with pytest.raises(Conflict):
            services.present(proposal=consent, by=team.facilitator)
        assert _state(consent) == "consent"

    def test_it_refuses_a_body_over_the_limit(self, team):
        with pytest.raises(Invalid):
            services.create_proposal(
                circle=team.circle, by=team.members[0], title="Long", body="x" * 50_001
            )
        assert not Proposal.objects.exists()

    def test_it_refuses_a_step_back_without_a_reason(self, team, consent):
        with pytest.raises(Invalid):
            services.step_back(proposal=consent, by=team.facilitator, reason="")
        assert _state(consent) == "consent"

    def test_a_changed_objection_is_withdrawn(self, team, consent):
        bo = team.members[1]
        services.answer(proposal=consent, by=bo, kind="object", text="No")
        services.answer(proposal=consent, by=bo, kind="consent")
        assert Objection.objects.get().state == "withdrawn"


class TestIdempotency:
    def test_a_replayed_step_does_nothing_the_second_time(self, team):
        p = services.create_proposal(circle=team.circle, by=team.members[0], title="T", body=TEXT)
        key = new_key()
        services.present(proposal=p, by=team.facilitator, key=key)
        services.present(proposal=p, by=team.facilitator, key=key)
        assert ProposalEvent.objects.filter(action="present").count() == 1

    def test_a_replayed_creation_returns_the_same_proposal(self, team):
        key = new_key()
        a = services.create_proposal(
            circle=team.circle, by=team.members[0], title="T", body=TEXT, key=key
        )
        b = services.create_proposal(
            circle=team.circle, by=team.members[0], title="T", body=TEXT, key=key
        )
        assert a.pk == b.pk and Proposal.objects.count() == 1

    def test_a_replayed_answer_keeps_one_row(self, team):
        p = services.create_proposal(circle=team.circle, by=team.members[0], title="T", body=TEXT)
        services.present(proposal=p, by=team.facilitator)
        services.open_async_consent(
            proposal=p, by=team.facilitator, deadline=timezone.now() + timedelta(days=1)
        )
        key = new_key()
        services.answer(proposal=p, by=team.members[1], kind="object", text="x", key=key)
        services.answer(proposal=p, by=team.members[1], kind="object", text="x", key=key)
        assert Response.objects.count() == 1 and Objection.objects.count() == 1


class TestChangeEventsAndReviews:
    def test_it_announces_a_change_only_after_commit(
        self, team, django_capture_on_commit_callbacks
    ):
        from core.events import subject_changed

        heard = []

        def listener(sender, subject, **kwargs):
            heard.append(subject.pk)

        subject_changed.connect(listener)
        try:
            p = services.create_proposal(
                circle=team.circle, by=team.members[0], title="T", body=TEXT
            )
            with django_capture_on_commit_callbacks(execute=True):
                services.present(proposal=p, by=team.facilitator)
            assert heard == [p.pk]
            heard.clear()
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                with pytest.raises(Conflict):
                    services.present(proposal=p, by=team.facilitator)
            assert heard == [] and callbacks == []
        finally:
            subject_changed.disconnect(listener)

    def test_a_review_amends_and_supersedes_the_earlier_policy(self, client, team):
        fay = team.facilitator

        def adopt(p):
            services.present(proposal=p, by=fay)
            services.open_async_consent(
                proposal=p, by=fay, deadline=timezone.now() + timedelta(days=1)
            )
            for u in team.participants:
                services.answer(proposal=p, by=u, kind="consent")
            p.refresh_from_db()
            return p.decision

        first = adopt(
            services.create_proposal(circle=team.circle, by=team.members[0], title="A", body=TEXT)
        )
        client.force_login(team.members[1])
        url = f"/o/acme/proposals/new/?circle=ops&amends={first.sequence}"
        assert "Review: A" in client.get(url).content.decode()
        client.post(url, {"title": "A, reviewed", "body": AMENDED, "idempotency_key": new_key()})
        review = Proposal.objects.get(title="A, reviewed")
        assert review.amends == first
        second = adopt(review)
        assert second.supersedes == first and second.record["amends"] == first.sequence
        assert verify_log(organization_id=team.organization.pk).ok
