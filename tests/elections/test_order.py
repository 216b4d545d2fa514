"""The consent round starts after the nominee and ends with the nominee."""

import inspect

import pytest
from django.urls import reverse

from circles import selectors as circle_selectors
from core.errors import Conflict
from elections import selectors, services
from elections.models import Election
from proposals.models import Response

from .conftest import nominate_all


def to_proposing(world, election):
    services.start_nominating(election=election, by=world.fay)
    nominate_all(world, election, {"ana": ("bo", "r")})
    services.show_nominations(election=election, by=world.fay)
    services.start_proposing(election=election, by=world.fay)


class TestConsentOrder:
    @pytest.mark.parametrize("position", range(5))
    def test_the_nominee_speaks_last_wherever_they_sit(self, world, election, position):
        to_proposing(world, election)
        seats = selectors.participant_ids(election)
        # The one seat order around the circle (circles.selectors.seat_order).
        assert seats == circle_selectors.seat_order(world.team)
        assert sorted(seats) == sorted(u.pk for u in world.members)
        nominee = next(m for m in world.members if m.pk == seats[position])
        services.propose(
            election=election, by=world.fay, nominee=nominee, term_end=election.term_end,
            reason="r",
        )  # fmt: skip
        round_ = selectors.current_round(election)
        expected = seats[position + 1 :] + seats[: position + 1]
        assert round_.speakers == expected
        assert round_.speakers[-1] == nominee.pk
        assert round_.current_speaker_id == seats[(position + 1) % len(seats)]

    def test_an_amended_proposal_for_another_nominee_reorders_the_round(self, world, election):
        to_proposing(world, election)
        services.propose(
            election=election, by=world.fay, nominee=world.ana, term_end=election.term_end,
            reason="r",
        )  # fmt: skip
        first = selectors.current_round(election)
        services.propose(
            election=election, by=world.fay, nominee=world.cy, term_end=election.term_end,
            reason="Another nominee.",
        )  # fmt: skip
        first.refresh_from_db()
        assert first.closed is not None
        assert selectors.current_round(election).speakers[-1] == world.cy.pk
        assert Election.objects.get(pk=election.pk).proposal_number == 2


class TestTheNomineeAlwaysAnswersLast:
    """Probe: through the API a consent round on a nominee could be opened in
    "reveal" mode, and the nominee answered first. Whatever the input asks,
    the round is in turn and the nominee answers last."""

    def _check_round(self, world, election, nominee):
        round_ = selectors.current_round(Election.objects.get(pk=election.pk))
        assert round_.mode == "in_turn"
        assert round_.speakers[-1] == nominee.pk
        with pytest.raises(Conflict):
            services.answer(election=election, by=nominee, kind="consent")
        assert not Response.objects.filter(round=round_).exists()

    def test_the_service_takes_no_mode(self, world, election):
        to_proposing(world, election)
        assert "mode" not in inspect.signature(services.propose).parameters
        with pytest.raises(TypeError):
            services.propose(
                election=election, by=world.fay, nominee=world.bo, term_end=election.term_end,
                reason="r", mode="reveal",
            )  # fmt: skip
        services.propose(
            election=election, by=world.fay, nominee=world.bo, term_end=election.term_end,
            reason="r",
        )  # fmt: skip
        self._check_round(world, election, world.bo)

    @pytest.mark.parametrize("mode", ["reveal", "in_turn", None])
    def test_through_the_page(self, client, world, election, mode):
        to_proposing(world, election)
        client.force_login(world.fay)
        data = {"nominee": world.bo.pk, "term_end": election.term_end.isoformat(), "reason": "r"}
        if mode:
            data["mode"] = mode
        url = reverse(
            "elections:action", kwargs={"org": world.org.slug, "pk": election.pk, "step": "propose"}
        )
        assert client.post(url, data).status_code == 302
        self._check_round(world, election, world.bo)
        # Nor may the nominee answer first from the page.
        client.force_login(world.bo)
        answer = url.replace("/propose/", "/answer/")
        assert client.post(answer, {"kind": "consent"}).status_code == 409

    @pytest.mark.parametrize("mode", ["reveal", "in_turn", None])
    def test_through_the_api(self, client, world, election, mode):
        to_proposing(world, election)
        client.force_login(world.fay)
        body = {"nominee": world.bo.pk, "term_end": election.term_end.isoformat(), "reason": "r"}
        if mode:
            body["mode"] = mode
        base = f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}"
        r = client.post(base + "/propose", body, content_type="application/json")
        assert r.status_code == 200, r.content
        self._check_round(world, election, world.bo)
        client.force_login(world.bo)
        r = client.post(base + "/answer", {"kind": "consent"}, content_type="application/json")
        assert r.status_code == 409
