"""The consent round starts after the nominee and ends with the nominee."""

import pytest

from elections import selectors, services
from elections.models import Election

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
        assert seats == [u.pk for u in world.members]
        nominee = world.members[position]
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
