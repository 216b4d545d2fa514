"""Personas for selections: an organization with a root circle and a child
circle "team" whose facilitator runs selections for four members."""

from types import SimpleNamespace

import pytest

from circles import services as circle_services
from circles.models import OrganizationMember, Role
from core.idempotency import new_key
from elections import services


@pytest.fixture
def world(make_user):
    admin = make_user("claire")
    org = circle_services.create_organization(name="Coop", slug="coop", by=admin, language="en")
    root = org.circles.get(parent__isnull=True)
    people = {name: make_user(name) for name in ("lea", "fay", "ana", "bo", "cy", "otto", "pat")}
    for user in people.values():
        OrganizationMember.objects.create(organization=org, user=user)
    stranger = make_user("stranger")
    team = circle_services.create_circle(parent=root, name="Team", slug="team", by=admin)
    circle_services.assign_role(
        role=Role.objects.get(circle=root, kind="leader"), user=admin, by=admin
    )
    # The parent circle's leader appoints the team's leader (joins both circles).
    circle_services.assign_role(
        role=Role.objects.get(circle=team, kind="leader"), user=people["lea"], by=admin
    )
    for name in ("fay", "ana", "bo", "cy"):
        circle_services.add_member(circle=team, user=people[name], by=admin)
    circle_services.assign_role(
        role=Role.objects.get(circle=team, kind="facilitator"), user=people["fay"], by=admin
    )
    # pat is a member of the parent circle only.
    circle_services.add_member(circle=root, user=people["pat"], by=admin)
    roles = {r.kind: r for r in Role.objects.filter(circle=team)}
    return SimpleNamespace(
        org=org,
        root=root,
        team=team,
        roles=roles,
        admin=admin,
        stranger=stranger,
        members=[people[n] for n in ("lea", "fay", "ana", "bo", "cy")],
        **people,
    )


@pytest.fixture
def election(world):
    """A selection of the team's secretary, opened by its facilitator."""
    return services.open_election(role=world.roles["secretary"], by=world.fay)


@pytest.fixture
def nominating(world, election):
    return services.start_nominating(election=election, by=world.fay)


def nominate_all(world, election, choices):
    """choices: {nominator name: (nominee name, reason)}."""
    for nominator, (nominee, reason) in choices.items():
        services.nominate(
            election=election,
            by=getattr(world, nominator),
            nominee=getattr(world, nominee),
            reason=reason,
            key=new_key(),
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Eight personas per test: a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
