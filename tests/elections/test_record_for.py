"""Someone in the room without a device: the meeting's secretary (or the
facilitator) records their nomination, their change-round choice and their
position; it is theirs, marked "recorded by", and a hidden nomination stays
hidden until the reveal.

Ops meets: Fay facilitates, Mia is the meeting's secretary; Ana and Cy join
with their phones, Bo has none (the secretary marks him present); Leo and Dee
are not there.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Invalid, NotAllowed
from core.idempotency import new_key
from elections import page, room, services
from elections.models import Election, ElectionEvent, Nomination
from elections.steps import STEPS
from proposals import rounds
from proposals.models import Response
from realtime import services as meeting_services

BO_REASON = "Bo keeps the best notes of us all"


@pytest.fixture
def meeting(world, election):
    meeting = meeting_services.schedule_meeting(
        circle=world.team,
        title="Ops weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.fay,
        secretary=world.mia,
        by=world.fay,
    )
    meeting_services.open_meeting(meeting=meeting, by=world.fay)
    item = meeting_services.add_item(
        meeting=meeting, kind="election", election=election, by=world.fay
    )
    meeting_services.set_current_item(meeting=meeting, item=item, by=world.fay)
    for member in (world.fay, world.mia, world.ana, world.cy):
        meeting_services.join(meeting=meeting, user=member)
    meeting_services.mark_attendance(meeting=meeting, user=world.bo, present=True, by=world.mia)
    return meeting


@pytest.fixture
def nominating(world, election, meeting):
    return services.start_nominating(election=election, by=world.fay)


def record(client, world, election, channel, name, data, *, by=None):
    """Take step ``name`` as the secretary (or ``by``) through the page or the API."""
    step = STEPS[name]
    client.force_login(by or world.mia)
    if channel == "page":
        url = reverse(
            "elections:action",
            kwargs={"org": world.org.slug, "pk": election.pk, "step": step.url},
        )
        return client.post(url, {**data, "idempotency_key": new_key()})
    return client.post(
        f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/{step.url}",
        data,
        content_type="application/json",
        headers={"idempotency-key": new_key()},
    )


def ok(response):
    assert response.status_code in (200, 302), response.content.decode()[:2000]


def state(election):
    return (
        Election.objects.get(pk=election.pk).state,
        list(Nomination.objects.values_list("pk", "nominator_id", "nominee_id", "recorded_by_id")),
        list(Response.objects.values_list("pk", "member_id", "kind", "replaced")),
        ElectionEvent.objects.count(),
    )


class TestASelectionWithSomeoneWithoutADevice:
    @pytest.mark.parametrize("channel", ["page", "api"])
    def test_the_secretary_records_every_step_and_the_record_says_so(
        self, client, world, election, nominating, channel
    ):
        fay, mia, ana, bo, cy = world.fay, world.mia, world.ana, world.bo, world.cy
        assert "nominate_for" in STEPS.allowed(fresh(election), mia)

        # Nominations: Bo's is recorded by Mia; it is his, and hidden.
        ok(
            record(
                client,
                world,
                election,
                channel,
                "nominate_for",
                {"member": bo.pk, "nominee": cy.pk, "reason": BO_REASON},
            )
        )
        mine = Nomination.objects.get(election=election, round=1, nominator=bo)
        assert (mine.nominee, mine.recorded_by, mine.reason) == (cy, mia, BO_REASON)
        for who in (fay, mia, ana, cy):
            services.nominate(election=election, by=who, nominee=cy, reason=f"{who.name} says")

        # The secretary's page: Bo is ticked, the content is nobody's but Bo's.
        client.force_login(mia)
        html = client.get(election.get_absolute_url()).content.decode()
        assert BO_REASON not in html
        assert f'data-name="{bo.name}"' in html and "✓" in html

        services.show_nominations(election=election, by=fay)
        services.start_change_round(election=election, by=fay)

        # Change round: Bo changes to Ana, through the secretary.
        ok(
            record(
                client,
                world,
                election,
                channel,
                "change_nomination_for",
                {"member": bo.pk, "nominee": ana.pk, "reason": "Ana has more time"},
            )
        )
        second = Nomination.objects.get(election=election, round=2, nominator=bo)
        assert (second.nominee, second.recorded_by) == (ana, mia)
        for who in (fay, mia, ana, cy):
            services.change_nomination(election=election, by=who, nominee=cy)
        services.start_proposing(election=election, by=fay)
        services.propose(
            election=election,
            by=fay,
            nominee=cy,
            term_end=election.term_end,
            reason="Most named",
        )
        round_ = rounds.open_round_of(election)
        # The members present, in seat order, the nominee last.
        names = [u.name for u in _users(round_.speakers)]
        assert names[-1] == cy.name and set(names) == {
            fay.name,
            mia.name,
            ana.name,
            bo.name,
            cy.name,
        }

        # Consent round, in turn: Bo's turn comes, the secretary records it.
        for uid in round_.speakers:
            if uid == bo.pk:
                ok(
                    record(
                        client,
                        world,
                        election,
                        channel,
                        "answer_for",
                        {"member": bo.pk, "kind": "consent", "concern": "Keep it short"},
                    )
                )
            else:
                services.answer(election=election, by=_users([uid])[0], kind="consent")
        position = Response.objects.get(round=round_, member=bo, replaced__isnull=True)
        assert (position.kind, position.recorded_by, position.concern) == (
            "consent",
            mia,
            "Keep it short",
        )

        # The page shows who recorded it; the decision's record says so.
        client.force_login(ana)
        html = client.get(election.get_absolute_url()).content.decode()
        assert f"(recorded by {mia.name})" in html
        services.elect(election=election, by=fay)
        record_ = Election.objects.get(pk=election.pk).decision.record
        by_member = {p["member"]["id"]: p for p in record_["positions"]}
        assert by_member[bo.pk]["recorded_by"] == {"id": mia.pk, "name": mia.name}
        assert "recorded_by" not in by_member[ana.pk]
        grid = {row["nominator"]["id"]: row for row in record_["grid"]}
        assert grid[bo.pk]["recorded_by"]["id"] == mia.pk
        assert grid[bo.pk]["change_recorded_by"]["id"] == mia.pk
        assert grid[bo.pk]["changed_to"]["id"] == ana.pk
        assert "recorded_by" not in grid[ana.pk]
        assert record_["meeting"]["title"] == "Ops weekly"

    def test_the_facilitator_records_too_and_the_role_change_round(self, world, election, meeting):
        fay, bo = world.fay, world.bo
        services.review_role(election=election, by=fay, reason="Clearer", qualifications=["Calm"])
        round_ = fresh(election).role_change_round
        assert round_.mode == "reveal"
        services.answer_role_change_for(election=election, by=fay, member=bo, kind="consent")
        row = Response.objects.get(round=round_, member=bo)
        assert row.recorded_by == fay
        # A reveal round: the recorder does not see the position they recorded.
        view = page.page_context(world.mia, fresh(election))["role_change"]["round"]
        assert all(s["response"] is None for s in view["speakers"])
        assert [s["answered"] for s in view["speakers"] if s["user"] == bo] == [True]

    def test_the_form_offers_only_members_present_who_have_not_acted(
        self, client, world, election, nominating
    ):
        services.nominate(election=election, by=world.ana, nominee=world.cy, reason="r")
        context = page.page_context(world.mia, fresh(election))
        (form,) = context["record_for"]
        offered = {value for value, _label in form.fields["member"].choices if value}
        assert offered == {str(u.pk) for u in (world.fay, world.mia, world.bo, world.cy)}
        client.force_login(world.mia)
        html = client.get(election.get_absolute_url()).content.decode()
        assert "Record for someone without a device" in html
        # A plain member present has no such form.
        assert page.page_context(world.cy, fresh(election))["record_for"] == []


class TestRefusalsChangeNothing:
    @pytest.mark.parametrize("channel", ["page", "api"])
    @pytest.mark.parametrize(
        "who, member, status",
        [
            ("mia", "leo", 400),  # not present
            ("mia", "stranger", 400),  # not of the organization
            ("mia", "olga", 400),  # of the organization, not of the circle
            ("ana", "bo", 403),  # a plain member present
            ("olga", "bo", 403),  # of the organization, outside the circle
        ],
    )
    def test_who_and_for_whom(
        self, client, world, election, nominating, channel, who, member, status
    ):
        before = state(election)
        r = record(
            client,
            world,
            election,
            channel,
            "nominate_for",
            {"member": getattr(world, member).pk, "nominee": world.cy.pk, "reason": "r"},
            by=getattr(world, who),
        )
        assert r.status_code == status, r.content.decode()[:500]
        assert state(election) == before

    def test_an_outsider_does_not_even_see_it(self, client, world, election, nominating):
        before = state(election)
        r = record(
            client,
            world,
            election,
            "api",
            "nominate_for",
            {"member": world.bo.pk, "nominee": world.cy.pk, "reason": "r"},
            by=world.stranger,
        )
        assert r.status_code == 404
        assert state(election) == before

    def test_already_nominated(self, world, election, nominating):
        services.nominate_for(
            election=election, by=world.mia, member=world.bo, nominee=world.cy, reason="r"
        )
        services.nominate(election=election, by=world.ana, nominee=world.cy, reason="r")
        before = state(election)
        for member in (world.bo, world.ana):
            with pytest.raises(Conflict) as refused:
                services.nominate_for(
                    election=election, by=world.mia, member=member, nominee=world.ana, reason="r"
                )
            assert member.name in refused.value.message
        assert state(election) == before

    def test_a_missing_member_and_a_step_the_member_cannot_take_now(self, world, election, meeting):
        before = state(election)
        with pytest.raises(Conflict):  # still setting up: nobody nominates yet
            services.nominate_for(
                election=election, by=world.mia, member=world.bo, nominee=world.cy, reason="r"
            )
        services.start_nominating(election=election, by=world.fay)
        before = state(election)
        for member in (None, "x", 10**9):
            with pytest.raises(Invalid) as refused:
                services.nominate_for(
                    election=election, by=world.mia, member=member, nominee=world.cy, reason="r"
                )
            assert refused.value.field == "member"
        assert state(election) == before

    def test_out_of_turn_in_the_consent_round(self, world, election, nominating):
        for who in (world.fay, world.mia, world.ana, world.bo, world.cy):
            services.nominate(election=election, by=who, nominee=world.cy, reason="r")
        services.show_nominations(election=election, by=world.fay)
        services.start_proposing(election=election, by=world.fay)
        services.propose(
            election=election,
            by=world.fay,
            nominee=world.cy,
            term_end=election.term_end,
            reason="r",
        )
        round_ = rounds.open_round_of(election)
        assert round_.current_speaker_id != world.bo.pk
        before = state(election)
        with pytest.raises(Conflict):
            services.answer_for(election=election, by=world.mia, member=world.bo, kind="consent")
        assert state(election) == before

    def test_the_secretary_has_no_say_once_the_meeting_moves_on(
        self, world, election, nominating, meeting
    ):
        other = meeting_services.add_item(meeting=meeting, kind="other", title="AOB", by=world.fay)
        meeting_services.set_current_item(meeting=meeting, item=other, by=world.fay)
        before = state(election)
        with pytest.raises(NotAllowed):
            services.nominate_for(
                election=election, by=world.mia, member=world.bo, nominee=world.cy, reason="r"
            )
        assert state(election) == before


class TestAHiddenNominationStaysHidden:
    def test_nobody_else_sees_it_before_the_reveal(self, client, world, election, nominating):
        services.nominate_for(
            election=election, by=world.mia, member=world.bo, nominee=world.cy, reason=BO_REASON
        )
        for who in (world.mia, world.ana, world.fay):
            client.force_login(who)
            assert BO_REASON not in client.get(election.get_absolute_url()).content.decode()
            api = client.get(f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/nominations")
            assert api.json() == []
        # The room's shared part shows the tick, never the content.
        shared = str(room.shared(fresh(election))["html"])
        assert BO_REASON not in shared and world.bo.name in shared
        # Bo, on a device later, sees his own, marked recorded by Mia.
        client.force_login(world.bo)
        (own,) = client.get(
            f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/nominations"
        ).json()
        assert own["reason"] == BO_REASON and own["recorded_by"]["id"] == world.mia.pk
        services.show_nominations(election=election, by=world.fay)
        client.force_login(world.ana)
        assert BO_REASON in client.get(election.get_absolute_url()).content.decode()


def fresh(election):
    return Election.objects.get(pk=election.pk)


def _users(ids):
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.in_bulk(ids)
    return [found[i] for i in ids]
