"""The selections' view of the shared personas (tests/personas.py): the
circle is Ops, whose facilitator Fay runs selections; its leader Leo, its
delegate Dee (not yet accepted by the parent circle) and its plain members
Mia, Ana, Bo and Cy take part. Olga is of the organization outside Ops;
Oscar is a stranger to it."""

from types import SimpleNamespace

import pytest

from circles import services as circle_services
from circles.models import Role
from core.idempotency import new_key
from elections import services


class Selection(SimpleNamespace):
    @property
    def pat(self):
        """A member of the parent circle only: Olga, whom the first use adds
        to the root circle (through the services), so that ``otto`` stays a
        member of the organization in no circle."""
        if not self.root.memberships.filter(user=self.olga, left__isnull=True).exists():
            circle_services.add_member(circle=self.root, user=self.olga, by=self.admin)
        return self.olga


@pytest.fixture
def world(world):
    roles = {r.kind: r for r in Role.objects.filter(circle=world.ops)}
    return Selection(
        shared=world,
        org=world.org,
        root=world.root,
        team=world.ops,
        roles=roles,
        admin=world.admin,
        leo=world.leader,
        dee=world.delegate,
        fay=world.facilitator,
        mia=world.member,
        ana=world.ana,
        bo=world.bo,
        cy=world.cy,
        olga=world.org_member,
        # Of the organization, in no circle.
        otto=world.org_member,
        # Of no organization.
        stranger=world.outsider,
        # Everyone of Ops, in the order they joined.
        members=[world.leader, world.delegate, world.facilitator, *world.members],
    )


@pytest.fixture
def election(world):
    """A selection of Ops's secretary, opened by its facilitator."""
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
    # Eleven personas per test: a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
