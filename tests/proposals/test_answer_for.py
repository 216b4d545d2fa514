"""The facilitator records the answer of someone in the room without a device."""

import pytest
from django.urls import reverse

from core.errors import Conflict, Invalid, NotAllowed
from core.idempotency import new_key
from proposals import rounds, services
from proposals.models import Objection, Response
from proposals.templatetags.proposals_tags import step_url

from .conftest import api_url


@pytest.fixture
def proposal(team):
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="Flour", body="Buy")
    services.present(proposal=p, by=team.facilitator)
    services.open_reactions(proposal=p, by=team.facilitator)
    services.close_round(proposal=p, by=team.facilitator)
    return p


@pytest.fixture
def consent(team, proposal):
    """An in-turn consent round where ana speaks first."""
    services.open_consent_round(
        proposal=proposal, by=team.facilitator, start_with=team.members[0].pk
    )
    return proposal


def _round(p):
    return rounds.open_round_of(p)


def _url(p):
    return step_url(p, "answer_for")


def _detail(p):
    return reverse("proposals:detail", kwargs={"org": "acme", "pk": p.pk})


class TestRecordingAnAnswerForSomeone:
    def test_it_records_a_consent_for_the_speaker_and_moves_the_turn_on(self, team, consent):
        fay, (ana, bo, _cy) = team.facilitator, team.members
        response = services.answer_for(proposal=consent, member=ana, by=fay, kind="consent")
        row = Response.objects.get(pk=response.pk)
        assert row.member == ana and row.recorded_by == fay and row.kind == "consent"
        assert _round(consent).current_speaker_id == bo.pk

    def test_it_accepts_the_member_as_an_id_and_ignores_a_replay(self, team, consent):
        fay, ana = team.facilitator, team.members[0]
        key = new_key()
        for _ in range(2):
            services.answer_for(
                proposal=consent, member=str(ana.pk), by=fay, kind="consent", key=key
            )
        assert Response.objects.filter(member=ana).count() == 1

    def test_it_refuses_a_member_who_is_not_the_facilitator(self, team, consent):
        ana, bo = team.members[0], team.members[1]
        with pytest.raises(NotAllowed):
            services.answer_for(proposal=consent, member=ana, by=bo, kind="consent")
        assert not Response.objects.filter(round=_round(consent)).exists()
        assert _round(consent).current_speaker_id == ana.pk

    def test_it_refuses_someone_who_is_not_a_participant(self, team, consent):
        for who in (team.org_member, team.outsider, "nobody", None):
            with pytest.raises(Invalid):
                services.answer_for(
                    proposal=consent, member=who, by=team.facilitator, kind="consent"
                )
        assert not Response.objects.filter(round=_round(consent)).exists()

    def test_it_keeps_the_turn_order(self, team, consent):
        with pytest.raises(Conflict):
            services.answer_for(
                proposal=consent, member=team.members[1], by=team.facilitator, kind="consent"
            )
        assert not Response.objects.filter(round=_round(consent)).exists()

    def test_it_refuses_when_no_round_is_open(self, team, proposal):
        with pytest.raises(Conflict):
            services.answer_for(
                proposal=proposal, member=team.members[0], by=team.facilitator, kind="reaction"
            )
        assert not Response.objects.filter(member=team.members[0]).exists()


class TestAnObjectionRecordedForSomeone:
    def test_it_needs_a_reason(self, team, consent):
        with pytest.raises(Invalid):
            services.answer_for(
                proposal=consent, member=team.members[0], by=team.facilitator, kind="object"
            )
        assert not Objection.objects.exists()
        assert not Response.objects.filter(round=_round(consent)).exists()

    def test_it_opens_the_members_objection(self, team, consent):
        fay, ana = team.facilitator, team.members[0]
        services.answer_for(
            proposal=consent, member=ana, by=fay, kind="object", text="Too expensive"
        )
        objection = Objection.objects.get(proposal=consent)
        assert objection.member == ana and objection.reason == "Too expensive"
        assert objection.state == Objection.State.OPEN
        assert objection.response.recorded_by == fay


class TestThroughThePage:
    def test_the_facilitator_sees_the_form_and_a_member_does_not(self, client, team, consent):
        client.force_login(team.facilitator)
        html = client.get(_detail(consent)).content.decode()
        assert _url(consent) in html
        assert f'<option value="{team.members[0].pk}">' in html
        assert f'<option value="{team.members[1].pk}">' not in html  # not their turn
        client.force_login(team.members[1])
        assert _url(consent) not in client.get(_detail(consent)).content.decode()

    def test_an_htmx_post_records_it_and_shows_who_recorded_it(self, client, team, consent):
        fay, ana = team.facilitator, team.members[0]
        client.force_login(fay)
        r = client.post(
            _url(consent),
            {"member": ana.pk, "kind": "consent", "idempotency_key": new_key()},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 200
        html = r.content.decode()
        assert 'id="proposal-process"' in html
        assert f"(recorded by {fay.name})" in html
        assert Response.objects.get(member=ana).recorded_by == fay

    def test_the_round_names_everyone_from_one_read_of_people(self, team, consent):
        """The summary reads the answers, then everyone they name (speakers,
        who answered, who recorded it) in one query, and shows who recorded
        an answer without reading that person again."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from proposals import selectors

        fay, (ana, bo, _cy) = team.facilitator, team.members
        services.answer_for(proposal=consent, member=ana, by=fay, kind="consent")
        services.answer(proposal=consent, by=bo, kind="consent")
        with CaptureQueriesContext(connection) as ctx:
            summary = selectors.round_summary(_round(consent))
            shown = [
                (r.member.name, r.recorded_by and r.recorded_by.name) for r in summary["responses"]
            ]
            speakers = [s["user"].name for s in summary["speakers"]]
        people = [q for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]
        assert len(people) == 1, people
        joined = [q["sql"] for q in ctx.captured_queries if 'JOIN "accounts_user"' in q["sql"]]
        assert not joined, joined
        assert shown == [(ana.name, fay.name), (bo.name, None)]
        assert ana.name in speakers and bo.name in speakers

    def test_a_plain_post_by_a_member_is_refused_and_changes_nothing(self, client, team, consent):
        client.force_login(team.members[1])
        r = client.post(
            _url(consent),
            {"member": team.members[0].pk, "kind": "consent", "idempotency_key": new_key()},
        )
        assert r.status_code == 302
        assert not Response.objects.filter(round=_round(consent)).exists()
        page = client.get(_detail(consent)).content.decode()
        assert (
            "“Record an answer for someone”: only the facilitator or the meeting’s secretary "
            "may take this step." in page.replace("&#x27;", "’").replace("'", "’")
        )


class TestThroughTheApi:
    def test_the_facilitator_records_an_objection(self, client, team, consent):
        fay, ana = team.facilitator, team.members[0]
        client.force_login(fay)
        r = client.post(
            api_url(consent, "/answers/for"),
            {"member": ana.pk, "kind": "object", "text": "Not now"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
        )
        assert r.status_code == 200, r.content
        answer = r.json()["round"]["responses"][0]
        assert answer["member"]["id"] == ana.pk and answer["recorded_by"]["id"] == fay.pk
        assert Objection.objects.get(proposal=consent).member == ana

    def test_a_member_is_refused_with_403(self, client, team, consent):
        client.force_login(team.members[1])
        r = client.post(
            api_url(consent, "/answers/for"),
            {"member": team.members[0].pk, "kind": "consent"},
            content_type="application/json",
        )
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        assert not Response.objects.filter(round=_round(consent)).exists()


class TestTheMeetingsSecretary:
    """Mia, a plain member, is the secretary of the meeting running the proposal."""

    @pytest.fixture
    def meeting(self, team, consent):
        from datetime import timedelta

        from django.utils import timezone

        from realtime import services as meetings

        mia = team.world.member
        meeting = meetings.schedule_meeting(
            circle=team.circle,
            title="Weekly",
            scheduled_start=timezone.now() + timedelta(minutes=5),
            facilitator=team.facilitator,
            secretary=mia,
            by=team.facilitator,
        )
        meetings.open_meeting(meeting=meeting, by=team.facilitator)
        for user in team.participants:
            meetings.join(meeting=meeting, user=user)
        item = meetings.add_item(
            meeting=meeting, kind="proposal", proposal=consent, by=team.facilitator
        )
        meetings.set_current_item(meeting=meeting, item=item, by=team.facilitator)
        return meeting

    def test_records_an_answer_while_the_meeting_runs_it(self, client, team, consent, meeting):
        mia, ana = team.world.member, team.members[0]
        client.force_login(mia)
        page = client.get(_detail(consent)).content.decode()
        assert "Record an answer for someone without a device" in page
        r = client.post(
            api_url(consent, "/answers/for"),
            {"member": ana.pk, "kind": "consent"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
        )
        assert r.status_code == 200, r.content
        row = Response.objects.get(round=_round(consent), member=ana)
        assert row.recorded_by == mia

    def test_outside_the_meeting_the_secretary_is_a_plain_member(self, team, consent):
        with pytest.raises(NotAllowed):
            services.answer_for(
                proposal=consent, member=team.members[0], by=team.world.member, kind="consent"
            )
        assert not Response.objects.filter(round=_round(consent)).exists()
