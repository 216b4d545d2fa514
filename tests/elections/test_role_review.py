"""Changing the role during the setup is a small consent step of its own."""

from datetime import timedelta

import pytest
from django.urls import reverse

from circles import services as circle_services
from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import verify_log
from elections import selectors, services
from elections.models import Election, ElectionEvent
from elections.steps import STEPS
from proposals.models import Response, Round


def _propose(world, election, **changes):
    return services.review_role(
        election=election,
        by=world.fay,
        reason="The archive needs care this year.",
        **changes,
    )


class TestRoleChangeConsented:
    def test_it_applies_and_records_the_change_once_everyone_consented(self, world, election):
        role = world.roles["secretary"]
        _propose(
            world,
            election,
            accountabilities=["Writes the minutes", "Keeps the archive"],
            qualifications=["Writes quickly", "Knows the archive"],
            default_term_months=6,
        )
        role.refresh_from_db()
        assert role.qualifications != ["Writes quickly", "Knows the archive"]  # not yet
        for member in world.members:
            services.answer_role_change(election=election, by=member, kind="consent", concern="")
        services.close_role_change(election=election, by=world.fay)

        role.refresh_from_db()
        assert role.accountabilities == ["Writes the minutes", "Keeps the archive"]
        assert role.qualifications == ["Writes quickly", "Knows the archive"]
        assert role.default_term_months == 6
        election.refresh_from_db()
        assert election.role_change is None
        decision = Decision.objects.get(record__action="role_updated")
        consent = decision.record["consent"]
        assert consent["reason"] == "The archive needs care this year."
        assert {p["member"]["id"] for p in consent["positions"]} == {m.pk for m in world.members}
        assert {p["position"] for p in consent["positions"]} == {"consent"}
        assert verify_log(organization_id=world.org.pk).ok
        event = election.events.filter(action="close_role_change").get()
        assert event.data["outcome"] == "applied"

    def test_it_changes_the_term_of_the_selection(self, world, election):
        new_end = election.term_start + timedelta(days=200)
        _propose(world, election, term_end=new_end)
        for member in world.members:
            services.answer_role_change(election=election, by=member, kind="consent")
        services.close_role_change(election=election, by=world.fay)
        election.refresh_from_db()
        assert election.term_end == new_end
        assert election.role_change is None


class TestRoleChangeObjected:
    def test_it_leaves_the_role_unchanged_and_records_the_objection(self, world, election):
        role = world.roles["secretary"]
        before = (list(role.accountabilities), list(role.qualifications), role.default_term_months)
        _propose(world, election, qualifications=["Speaks three languages"])
        services.answer_role_change(
            election=election, by=world.bo, kind="object", text="Nobody here would fit."
        )
        services.close_role_change(election=election, by=world.fay)

        role.refresh_from_db()
        assert (
            list(role.accountabilities),
            list(role.qualifications),
            role.default_term_months,
        ) == before
        assert not Decision.objects.filter(record__action="role_updated").exists()
        event = election.events.filter(action="close_role_change").get()
        assert event.data["outcome"] == "objected"
        assert event.data["objections"][0]["text"] == "Nobody here would fit."
        election.refresh_from_db()
        assert election.role_change is not None  # still on the table: amend or drop

    def test_it_may_be_amended_then_dropped(self, world, election):
        _propose(world, election, qualifications=["Speaks three languages"])
        services.answer_role_change(
            election=election, by=world.bo, kind="object", text="Too narrow."
        )
        services.close_role_change(election=election, by=world.fay)
        _propose(world, election, qualifications=["Speaks two languages"])
        election.refresh_from_db()
        assert election.role_change["changes"]["qualifications"]["after"] == [
            "Speaks two languages"
        ]
        services.drop_role_change(election=election, by=world.fay, reason="Later.")
        election.refresh_from_db()
        assert election.role_change is None
        assert election.role_change_round.closed is not None
        services.start_nominating(election=election, by=world.fay)


class TestRoleChangePermissions:
    def test_it_refuses_a_member_who_does_not_facilitate(self, world, election):
        role = world.roles["secretary"]
        with pytest.raises(NotAllowed):
            services.review_role(
                election=election, by=world.bo, reason="Mine.", qualifications=["Any"]
            )
        election.refresh_from_db()
        role.refresh_from_db()
        assert election.role_change is None
        assert election.role_change_round is None
        assert role.qualifications != ["Any"]
        assert not ElectionEvent.objects.filter(election=election, action="review_role").exists()

    def test_it_refuses_to_start_nominating_while_the_round_is_open(self, world, election):
        election = _propose(world, election, qualifications=["Patient"])
        assert "start_nominating" not in STEPS.allowed(election, world.fay)
        with pytest.raises(Conflict):
            services.start_nominating(election=election, by=world.fay)
        election.refresh_from_db()
        assert election.state == Election.State.SETUP
        # The nominee consent round logic does not see the role-change round.
        assert selectors.current_round(election) is None
        assert selectors.consent_rounds(election) == []

    def test_it_refuses_to_close_before_everyone_answered(self, world, election):
        role = world.roles["secretary"]
        election = _propose(world, election, qualifications=["Patient"])
        services.answer_role_change(election=election, by=world.ana, kind="consent")
        with pytest.raises(Conflict):
            services.close_role_change(election=election, by=world.fay)
        role.refresh_from_db()
        assert role.qualifications != ["Patient"]
        assert election.role_change_round.closed is None


class TestRoleChangePage:
    def test_it_hides_the_answers_of_a_reveal_round_until_it_closes(
        self, client, world, election, password
    ):
        election = _propose(world, election, qualifications=["Patient"])
        services.answer_role_change(
            election=election, by=world.bo, kind="object", text="SECRET-OBJECTION"
        )
        url = reverse("elections:election", kwargs={"org": world.org.slug, "pk": election.pk})
        client.force_login(world.ana)
        page = client.get(url).content.decode()
        assert "Patient" in page  # the pending change is shown
        assert "SECRET-OBJECTION" not in page
        assert "1 of 7 have answered." in page
        assert "answer_role_change" in page  # ana's answer form
        client.force_login(world.bo)
        assert "SECRET-OBJECTION" in client.get(url).content.decode()

    def test_it_answers_through_a_plain_post(self, client, world, election):
        election = _propose(world, election, qualifications=["Patient"])
        client.force_login(world.ana)
        url = reverse(
            "elections:action",
            kwargs={"org": world.org.slug, "pk": election.pk, "step": "role-change/answer"},
        )
        response = client.post(url, {"kind": "consent", "text": "", "concern": ""})
        assert response.status_code == 302
        assert Response.objects.filter(
            round=election.role_change_round, member=world.ana, kind="consent"
        ).exists()


class TestTheRoleLimitsHoldAtReview:
    """Probe: a review accepted 51 qualifications, and closing then failed on
    the circles app's limit of 50. The limits are checked when the change is
    proposed, the same limits the circles app applies."""

    def _nothing_written(self, world, election):
        election.refresh_from_db()
        assert election.role_change is None and election.role_change_round is None
        assert not ElectionEvent.objects.filter(action="review_role").exists()
        assert not Round.objects.exists()

    def test_the_service_refuses_51_qualifications(self, world, election):
        with pytest.raises(Invalid) as refused:
            _propose(world, election, qualifications=[f"Q{i}" for i in range(51)])
        assert refused.value.field == "qualifications"
        # The same message as when the circles app is asked directly.
        with pytest.raises(Invalid) as direct:
            circle_services.create_role(
                circle=world.team, name="T", by=world.admin,
                qualifications=[f"Q{i}" for i in range(51)],
            )  # fmt: skip
        assert refused.value.message == direct.value.message
        self._nothing_written(world, election)

    def test_the_page_refuses_51_qualifications(self, client, world, election):
        client.force_login(world.fay)
        url = reverse(
            "elections:action",
            kwargs={"org": world.org.slug, "pk": election.pk, "step": "review-role"},
        )
        data = {
            "reason": "More.",
            "qualifications": "\n".join(f"Q{i}" for i in range(51)),
            "default_term_months": "12",
        }
        r = client.post(url, data)
        assert r.status_code == 400
        assert "At most 50 qualifications" in r.content.decode()
        self._nothing_written(world, election)

    @pytest.mark.parametrize(
        "change",
        [
            {"qualifications": [f"Q{i}" for i in range(51)]},
            {"qualifications": ["x" * 301]},
            {"default_term_months": 61},
            {"accountabilities": ["x" * 501]},
        ],
    )
    def test_the_api_refuses_what_the_role_cannot_hold(self, client, world, election, change):
        client.force_login(world.fay)
        r = client.post(
            f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/review-role",
            {"reason": "More.", **change},
            content_type="application/json",
        )
        assert r.status_code == 400, r.content
        assert r.json()["code"] == "invalid"
        self._nothing_written(world, election)

    def test_50_qualifications_go_through_to_the_role(self, world, election):
        fifty = [f"Q{i}" for i in range(50)]
        _propose(world, election, qualifications=fifty)
        for member in world.members:
            services.answer_role_change(election=election, by=member, kind="consent")
        services.close_role_change(election=election, by=world.fay)
        world.roles["secretary"].refresh_from_db()
        assert world.roles["secretary"].qualifications == fifty
