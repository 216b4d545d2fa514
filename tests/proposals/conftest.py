"""The consent process's view of the shared personas (tests/personas.py):
the circle is Ops, run by its facilitator Fay; ``members`` are its plain
members Ana, Bo and Cy; everyone of Ops takes part in its rounds."""

from dataclasses import dataclass

import pytest

from circles import selectors as circle_selectors
from tests.personas import World, build_world


@dataclass
class Team:
    world: World
    organization: object
    circle: object
    admin: object
    facilitator: object
    members: list  # plain circle members Ana, Bo, Cy (no role)
    org_member: object  # of the organization, not of the circle
    other_org: object  # member of another organization
    outsider: object  # of no organization

    @property
    def participants(self):
        """Everyone who takes part in the circle's rounds, in seat order."""
        people = {u.pk: u for u in self.world.everyone}
        return [people[uid] for uid in circle_selectors.seat_order(self.circle)]

    @property
    def all_members(self):
        """Every participant but the facilitator (``members`` and ``others``)."""
        return [u for u in self.participants if u.pk != self.facilitator.pk]

    @property
    def others(self):
        """The participants who are neither the facilitator nor ``members``
        (the leader, the delegate, Mia): they answer too when all must."""
        named = {self.facilitator.pk, *(m.pk for m in self.members)}
        return [u for u in self.participants if u.pk not in named]


def team_of(world: World) -> Team:
    return Team(
        world=world,
        organization=world.org,
        circle=world.ops,
        admin=world.admin,
        facilitator=world.facilitator,
        members=[world.ana, world.bo, world.cy],
        org_member=world.org_member,
        other_org=world.other_member,
        outsider=world.outsider,
    )


def build_team(make_user) -> Team:
    return team_of(build_world(make_user))


@pytest.fixture
def team(world) -> Team:
    return team_of(world)


def api_url(proposal, tail: str = "") -> str:
    """The proposal's address in the JSON API (under its organization)."""
    org = proposal.circle.organization.slug
    return f"/api/v1/orgs/{org}/proposals/{proposal.pk}{tail}"
