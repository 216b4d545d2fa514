"""The one set of test personas, built through the services (every app's
conftest selects from it; none builds people of its own).

Tree: organization "Acme" (slug ``acme``), root circle "Acme" (admin Ada)
-> child circle "Ops" (slug ``ops``): leader Leo, delegate Dee, facilitator
Fay, and the plain members Mia, Ana, Bo and Cy. Olga is a member of the
organization outside Ops; Oscar belongs to no organization; Otto is a member
(the admin) of another organization, "Other".
"""

from dataclasses import dataclass

from circles import services
from circles.models import Circle, Membership, OrganizationMember, Role, RoleAssignment
from decisions.models import Decision

PLAIN_MEMBERS = ("mia", "ana", "bo", "cy")


@dataclass
class World:
    org: object
    root: object
    ops: object
    admin: object
    leader: object
    delegate: object
    facilitator: object
    member: object
    org_member: object
    outsider: object
    other_org: object
    other_member: object
    #: Plain members of Ops (no role): Mia (``member``), Ana, Bo and Cy.
    members: list

    def person(self, name: str):
        """A persona by first name (``world.person("ana")``)."""
        return next(u for u in self.everyone if u.email.split("@")[0] == name)

    @property
    def everyone(self) -> list:
        return [
            self.admin,
            self.leader,
            self.delegate,
            self.facilitator,
            *self.members,
            self.org_member,
            self.outsider,
            self.other_member,
        ]

    @property
    def ana(self):
        return self.members[1]

    @property
    def bo(self):
        return self.members[2]

    @property
    def cy(self):
        return self.members[3]


def join_org(organization, user, *, is_admin=False):
    """Org membership as an accepted invitation would open it (test shortcut)."""
    return OrganizationMember.objects.create(
        organization=organization, user=user, is_admin=is_admin
    )


def role_of(circle, kind):
    return Role.objects.get(circle=circle, kind=kind)


def accept_delegate(world):
    """Ops's parent (the root, Ada admin) accepts Dee as delegate: the double
    link is complete only from then on (circles.health)."""
    dee = RoleAssignment.objects.get(role=role_of(world.ops, "delegate"), ended__isnull=True)
    services.accept_delegate(assignment=dee, by=world.admin)


def build_world(make_user) -> World:
    admin = make_user("ada")
    leader = make_user("leo")
    delegate = make_user("dee")
    facilitator = make_user("fay")
    members = [make_user(name) for name in PLAIN_MEMBERS]
    org_member = make_user("olga")
    outsider = make_user("oscar")
    other_member = make_user("otto")
    org = services.create_organization(name="Acme", slug="acme", by=admin, language="en")
    root = Circle.objects.get(organization=org, parent__isnull=True)
    for user in (leader, delegate, facilitator, *members, org_member):
        join_org(org, user)
    ops = services.create_circle(parent=root, name="Ops", slug="ops", by=admin, aim="Run things")
    services.assign_role(role=role_of(ops, "leader"), user=leader, by=admin)
    services.add_member(circle=ops, user=delegate, by=leader)
    for user in members:
        services.add_member(circle=ops, user=user, by=leader)
    services.assign_role(role=role_of(ops, "delegate"), user=delegate, by=leader)
    services.assign_role(role=role_of(ops, "facilitator"), user=facilitator, by=leader)
    other_org = services.create_organization(name="Other", slug="other", by=other_member)
    ops.refresh_from_db()
    return World(
        org=org,
        root=root,
        ops=ops,
        admin=admin,
        leader=leader,
        delegate=delegate,
        facilitator=facilitator,
        member=members[0],
        org_member=org_member,
        outsider=outsider,
        other_org=other_org,
        other_member=other_member,
        members=members,
    )


def snapshot(org) -> dict:
    """Everything a refused action must leave as it was."""
    return {
        "decisions": Decision.objects.filter(organization=org).count(),
        "circles": list(
            Circle.objects.filter(organization=org)
            .order_by("pk")
            .values_list("pk", "name", "parent_id", "aim", "domains", "setup_done", "dissolved")
        ),
        "memberships": list(
            Membership.objects.filter(circle__organization=org)
            .order_by("pk")
            .values_list("pk", "left")
        ),
        "roles": list(
            Role.objects.filter(circle__organization=org)
            .order_by("pk")
            .values_list(
                "pk", "name", "purpose", "domains", "accountabilities", "default_term_months"
            )
        ),
        "assignments": list(
            RoleAssignment.objects.filter(role__circle__organization=org)
            .order_by("pk")
            .values_list("pk", "ended", "parent_acceptance_id")
        ),
        "org": list(
            type(org).objects.filter(pk=org.pk).values_list("name", "language", "public_log")
        ),
        "org_members": list(
            OrganizationMember.objects.filter(organization=org)
            .order_by("pk")
            .values_list("pk", "is_admin", "left")
        ),
    }
