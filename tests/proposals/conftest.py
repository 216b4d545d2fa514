"""Personas for the consent process, built through the circles services."""

from dataclasses import dataclass

import pytest

from circles import services as circle_services
from circles.models import OrganizationMember, Role


@dataclass
class Team:
    organization: object
    circle: object
    admin: object
    facilitator: object
    members: list  # plain circle members (not the facilitator)
    org_member: object  # of the organization, not of the circle
    other_org: object  # member of another organization
    outsider: object  # of no organization

    @property
    def participants(self):
        return [self.facilitator, *self.members]


def build_team(make_user) -> Team:
    admin = make_user("admin")
    facilitator = make_user("fay")
    members = [make_user(n) for n in ("ana", "bo", "cy")]
    org_member = make_user("olga")
    other = make_user("otto")
    outsider = make_user("zed")
    org = circle_services.create_organization(name="Coop", slug="coop", by=admin, language="en")
    for user in (facilitator, *members, org_member):
        OrganizationMember.objects.create(organization=org, user=user)
    root = org.circles.get(parent__isnull=True)
    circle = circle_services.create_circle(parent=root, name="Team", slug="team", by=admin)
    for user in (facilitator, *members):
        circle_services.add_member(circle=circle, user=user, by=admin)
    circle_services.assign_role(
        role=Role.objects.get(circle=circle, kind=Role.Kind.FACILITATOR), user=facilitator, by=admin
    )
    circle_services.create_organization(name="Other", slug="other", by=other, language="en")
    circle.refresh_from_db()
    return Team(org, circle, admin, facilitator, members, org_member, other, outsider)


@pytest.fixture
def team(db, make_user) -> Team:
    return build_team(make_user)


def api_url(proposal, tail: str = "") -> str:
    """The proposal's address in the JSON API (under its organization)."""
    org = proposal.circle.organization.slug
    return f"/api/v1/orgs/{org}/proposals/{proposal.pk}{tail}"
