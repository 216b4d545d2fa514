"""Who may do what in a selection (services, pages and API); a refusal
changes nothing."""

import pytest

from core.errors import NotAllowed
from elections import services
from elections.models import Election, ElectionEvent, Nomination

from .conftest import nominate_all


def snapshot(election):
    e = Election.objects.get(pk=election.pk)
    return (e.state, e.nominations_shown, Nomination.objects.count(), ElectionEvent.objects.count())


def api(world, election, path):
    return f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/{path}"


class TestFacilitatorSteps:
    @pytest.mark.parametrize("who", ["fay", "leo", "admin"])
    def test_the_facilitator_leader_or_admin_may_show_nominations(self, world, nominating, who):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        services.show_nominations(election=nominating, by=getattr(world, who))
        assert Election.objects.get(pk=nominating.pk).state == "nominations_shown"

    @pytest.mark.parametrize("who", ["ana", "otto", "pat", "stranger"])
    def test_others_may_not_and_nothing_changes(self, world, nominating, who):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        before = snapshot(nominating)
        for step in (
            lambda u: services.show_nominations(election=nominating, by=u),
            lambda u: services.cancel(election=nominating, by=u, reason="r"),
        ):
            with pytest.raises(NotAllowed):
                step(getattr(world, who))
        assert snapshot(nominating) == before

    @pytest.mark.parametrize("who", ["ana", "otto", "stranger"])
    def test_only_a_facilitator_opens_a_selection(self, world, who):
        with pytest.raises(NotAllowed):
            services.open_election(role=world.roles["secretary"], by=getattr(world, who))
        assert not Election.objects.exists()


class TestParticipantSteps:
    @pytest.mark.parametrize("who", ["leo", "dee", "fay", "mia", "ana", "bo", "cy"])
    def test_every_member_of_the_circle_nominates(self, world, nominating, who):
        services.nominate(
            election=nominating, by=getattr(world, who), nominee=world.ana, reason="r"
        )
        assert Nomination.objects.get().nominator == getattr(world, who)

    @pytest.mark.parametrize("who", ["otto", "pat", "admin", "stranger"])
    def test_others_do_not_nominate(self, world, nominating, who):
        with pytest.raises(NotAllowed):
            services.nominate(
                election=nominating, by=getattr(world, who), nominee=world.ana, reason="r"
            )
        assert not Nomination.objects.exists()

    def test_the_parent_acceptance_is_for_the_parent_circle(self, world):
        from circles.models import RoleAssignment

        election = services.open_election(role=world.roles["delegate"], by=world.fay)
        services.start_nominating(election=election, by=world.fay)
        nominate_all(world, election, {"ana": ("bo", "r")})
        services.show_nominations(election=election, by=world.fay)
        services.start_proposing(election=election, by=world.fay)
        services.propose(
            election=election,
            by=world.fay,
            nominee=world.bo,
            term_end=election.term_end,
            reason="r",
        )
        election.refresh_from_db()
        from elections import selectors

        for uid in selectors.current_round(election).speakers:
            member = next(m for m in world.members if m.pk == uid)
            services.answer(election=election, by=member, kind="consent")
        services.elect(election=election, by=world.fay)
        for who in ("fay", "leo", "bo", "pat"):
            with pytest.raises(NotAllowed):
                services.record_parent_response(
                    election=election, by=getattr(world, who), accepted=True
                )
        bo = RoleAssignment.objects.get(role=world.roles["delegate"], user=world.bo)
        assert bo.parent_acceptance is None


class TestOverHttp:
    def test_the_api_refuses_a_member_a_facilitator_step(self, client, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        before = snapshot(nominating)
        client.force_login(world.ana)
        r = client.post(
            api(world, nominating, "show-nominations"), {}, content_type="application/json"
        )
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        assert snapshot(nominating) == before

    def test_the_api_refuses_a_nomination_from_outside_the_circle(self, client, world, nominating):
        client.force_login(world.otto)
        r = client.post(
            api(world, nominating, "nominate"),
            {"nominee": world.ana.pk, "reason": "r"},
            content_type="application/json",
        )
        assert r.status_code == 403
        assert not Nomination.objects.exists()

    def test_strangers_and_anonymous_get_nothing(self, client, world, nominating):
        client.force_login(world.stranger)
        assert (
            client.get(f"/api/v1/orgs/{world.org.slug}/elections/{nominating.pk}").status_code
            == 404
        )
        r = client.post(
            api(world, nominating, "nominate"),
            {"nominee": world.ana.pk, "reason": "r"},
            content_type="application/json",
        )
        assert r.status_code == 404
        client.logout()
        assert client.get(f"/api/v1/orgs/{world.org.slug}/elections").status_code == 401
        assert not Nomination.objects.exists()

    def test_the_page_refuses_a_member_cancelling(self, client, world, nominating):
        before = snapshot(nominating)
        client.force_login(world.bo)
        r = client.post(f"/o/{world.org.slug}/elections/{nominating.pk}/cancel/", {"reason": "r"})
        # The page answers with the refusal's status, as the API does.
        assert r.status_code == 403
        assert snapshot(nominating) == before
