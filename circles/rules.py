"""The structure rules of an organization, each declared once.

- The role limits (``ROLE_LIMITS``, ``validate_role_definition``): how many
  qualifications, domains and accountabilities a role has and how long each
  is, how long its purpose is, the range of its default term.
  ``circles.services``, a proposed change of definitions and the elections'
  role review all validate with them, so a change the circle consents to can
  always be applied.
- The set-up (``in_setup``): while a circle sets itself up its leader edits
  its definitions directly; once it is finished, a change goes through a
  consent proposal (``propose_circle_change``, ``propose_role_change``) of
  the circle that decides it (``deciding_circle``).
- The double link: leader and delegate are two different people
  (``link_conflict``, ``check_double_link``), both members of both circles
  (``link_circles``, ``member_of_both``), and the parent circle records that
  it accepts the delegate (``acceptance_refusal``). The services, the
  elections and the health check (``circles.health``) ask these functions.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Schema

from circles import selectors
from circles.blueprints import TEMPLATE_NAMES
from circles.models import Circle, DataLicence, Invitation, Organization, Role, RoleAssignment
from core.errors import Conflict, DomainError, Invalid
from core.schemas import choice_field
from core.steps import Step, StepTable, Verdict, Who

# Role limits -----------------------------------------------------------------


@dataclass(frozen=True)
class RoleLimits:
    name: int = 120
    purpose: int = 10_000
    qualifications: int = 50
    qualification_length: int = 300
    #: A domain or an accountability: one short line each.
    items: int = 50
    item_length: int = 500
    term_months_min: int = 1
    term_months_max: int = 60
    default_term_months: int = 12


ROLE_LIMITS = RoleLimits()

#: A free text of a circle (aim, domain, a reason): at most this many characters.
MAX_TEXT = ROLE_LIMITS.purpose
MAX_NAME = ROLE_LIMITS.name


def clean_name(name, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(gettext("A name is required."), field=field)
    if len(name) > MAX_NAME:
        raise Invalid(
            gettext("A name has at most %(n)d characters.") % {"n": MAX_NAME}, field=field
        )
    return name


def clean_text(text, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(
            gettext("This text has at most %(n)d characters.") % {"n": MAX_TEXT}, field=field
        )
    return text


def clean_qualifications(qualifications) -> list[str]:
    """One qualification a line (or a list); blank ones dropped."""
    if isinstance(qualifications, str):
        qualifications = qualifications.splitlines()
    items = [str(q).strip() for q in (qualifications or []) if str(q).strip()]
    limits = ROLE_LIMITS
    if len(items) > limits.qualifications or any(
        len(q) > limits.qualification_length for q in items
    ):
        raise Invalid(
            gettext("At most %(n)d qualifications of %(length)d characters each.")
            % {"n": limits.qualifications, "length": limits.qualification_length},
            field="qualifications",
        )
    return items


def clean_list(items, field: str) -> list[str]:
    """A list of short lines (domains, accountabilities): one item a line of
    a text, or a list; blank ones dropped."""
    if isinstance(items, str):
        items = items.splitlines()
    items = [" ".join(str(i).split()) for i in (items or []) if str(i).strip()]
    limits = ROLE_LIMITS
    if len(items) > limits.items or any(len(i) > limits.item_length for i in items):
        raise Invalid(
            gettext("At most %(n)d items of %(length)d characters each.")
            % {"n": limits.items, "length": limits.item_length},
            field=field,
        )
    return items


def clean_term_months(months) -> int:
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise Invalid(
            gettext("A term is a whole number of months."), field="default_term_months"
        ) from None
    low, high = ROLE_LIMITS.term_months_min, ROLE_LIMITS.term_months_max
    if not low <= months <= high:
        raise Invalid(
            gettext("A term is between %(low)d and %(high)d months.") % {"low": low, "high": high},
            field="default_term_months",
        )
    return months


def validate_role_definition(
    *,
    name=None,
    purpose=None,
    domains=None,
    accountabilities=None,
    qualifications=None,
    default_term_months=None,
) -> dict:
    """The cleaned values of what is given (a None is left out), or ``Invalid``
    naming the first field beyond ``ROLE_LIMITS``."""
    cleaned = {}
    if name is not None:
        cleaned["name"] = clean_name(name)
    if purpose is not None:
        cleaned["purpose"] = clean_text(purpose, "purpose")
    if domains is not None:
        cleaned["domains"] = clean_list(domains, "domains")
    if accountabilities is not None:
        cleaned["accountabilities"] = clean_list(accountabilities, "accountabilities")
    if qualifications is not None:
        cleaned["qualifications"] = clean_qualifications(qualifications)
    if default_term_months is not None:
        cleaned["default_term_months"] = clean_term_months(default_term_months)
    return cleaned


# The double link -------------------------------------------------------------

LINK_KINDS = (Role.Kind.LEADER, Role.Kind.DELEGATE)


def other_link_kind(kind) -> str | None:
    """The delegate for the leader and the leader for the delegate; else None."""
    if kind == Role.Kind.LEADER:
        return Role.Kind.DELEGATE
    if kind == Role.Kind.DELEGATE:
        return Role.Kind.LEADER
    return None


def same_person(leader_id, delegate_id) -> bool:
    """Leader and delegate are one person: the double link is broken."""
    return leader_id is not None and leader_id == delegate_id


def link_conflict(circle, role_kind, user) -> str | None:
    """Why ``user`` may not hold the link role ``role_kind`` of ``circle``
    (they hold the other link role: leader and delegate are two different
    people), or None."""
    other_kind = other_link_kind(role_kind)
    if other_kind is None or user is None:
        return None
    other = selectors.current_holder(circle, other_kind)
    if other is None or not same_person(other.pk, user.pk):
        return None
    return gettext(
        "Double-link rule: the leader and the delegate of a circle are two different "
        "people, and %(name)s is already its %(other)s."
    ) % {"name": user.name, "other": Role.Kind(other_kind).label.lower()}


def check_double_link(circle, role_kind, user, *, field: str = "user") -> None:
    """Raise ``Invalid`` (on ``field``) when ``link_conflict`` finds one."""
    message = link_conflict(circle, role_kind, user)
    if message:
        raise Invalid(message, field=field)


def link_circles(role) -> list:
    """The circles whose member the holder of ``role`` must be: its circle,
    and for a link role of a child circle the parent too (both circles)."""
    circle = role.circle
    if role.kind in LINK_KINDS and circle.parent_id is not None:
        return [circle, circle.parent]
    return [circle]


def member_of_both(user_id, circle_id, parent_id, members) -> bool:
    """``user_id`` is a current member of the circle and of its parent;
    ``members`` is a set of ``(circle_id, user_id)`` of open memberships."""
    return (circle_id, user_id) in members and (parent_id, user_id) in members


def acceptance_refusal(assignment) -> DomainError | None:
    """Why the parent circle cannot record its acceptance of ``assignment``
    (not a delegate of a child circle, ended, already accepted), or None."""
    role = assignment.role
    if role.kind != Role.Kind.DELEGATE or role.circle.parent_id is None:
        return Invalid(gettext("Only a delegate is accepted by the parent circle."))
    if assignment.ended is not None:
        return Conflict(gettext("This assignment has ended."))
    if assignment.parent_acceptance_id is not None:
        return Conflict(gettext("The parent circle has already accepted this delegate."))
    return None


# Who may act -----------------------------------------------------------------
#
# The structure actions have no state machine: every step starts from and
# stays in "open" (``state_of`` is constant), and what a state would say (a
# dissolved circle, the root circle, an ended assignment) is each action's
# guard. The subject differs per action (a circle, a role, an assignment…):
# ``extra["subject"]`` is the keyword its service takes it by, and
# ``extra["page"]``/``extra["api"]`` name the page URL and the API operation
# that offer it (tests/circles/test_rules.py checks both exist and refuse the
# same way as the service).


def circle_of(subject):
    """The circle an action's subject belongs to (None for an organization)."""
    if isinstance(subject, Circle):
        return subject
    if isinstance(subject, Role | Invitation):
        return subject.circle
    if isinstance(subject, RoleAssignment):
        return subject.role.circle
    return None


def organization_of(subject):
    if isinstance(subject, Organization):
        return subject
    circle = circle_of(subject)
    return circle.organization if circle is not None else None


def _manages(user, subject) -> bool:
    circle = circle_of(subject)
    return circle is not None and selectors.can_manage_circle(user, circle)


def _manages_parent(user, subject) -> bool:
    """The parent circle's leader or an admin; for the root circle, an admin."""
    circle = circle_of(subject)
    if circle is None:
        return False
    if circle.parent_id is None:
        return selectors.is_org_admin(user, circle.organization)
    return selectors.can_manage_children(user, circle.parent)


def _appoints_leader(user, subject) -> bool:
    """The leader of a child circle is the parent circle's to appoint and end."""
    role = subject.role if isinstance(subject, RoleAssignment) else subject
    circle = role.circle
    return (
        role.kind == Role.Kind.LEADER
        and circle.parent_id is not None
        and selectors.can_manage_children(user, circle.parent)
    )


def _admin(user, subject) -> bool:
    organization = organization_of(subject)
    return organization is not None and selectors.is_org_admin(user, organization)


def _facilitates(user, subject) -> bool:
    circle = circle_of(subject)
    return circle is not None and selectors.can_facilitate(user, circle)


def _chooses_delegate(user, subject) -> bool:
    return _manages(user, subject) or _facilitates(user, subject)


def _member(user, subject) -> bool:
    circle = circle_of(subject)
    return circle is not None and selectors.is_circle_member(user, circle)


def _proposes_for_circle(user, subject) -> bool:
    """A member of the circle that decides a circle's own aim and domains."""
    circle = circle_of(subject)
    return circle is not None and selectors.can_take_part(user, deciding_circle(circle, "circle"))


def _holder(user, subject) -> bool:
    return isinstance(subject, RoleAssignment) and subject.user_id == user.pk


# Who each role lets through, named once (a step several roles may take is
# refused naming them all: core.steps.refusal).
LEADER = _("the circle's leader")
ADMIN = _("an administrator")
PARENT_LEADER = _("the parent circle's leader")
FACILITATOR = _("the circle's facilitator")
HOLDER = _("the holder of the role")
MEMBER = _("a member of the circle")
MANAGERS = (LEADER, ADMIN)
PARENT_MANAGERS = (PARENT_LEADER, ADMIN)

ROLES = {
    "signed_in": Who(lambda user, subject: True, _("Log in to take part.")),
    "admin": Who(_admin, _("Only an administrator may do this."), actors=(ADMIN,)),
    "mover": Who(_admin, _("Only an administrator may move a circle."), actors=(ADMIN,)),
    "manager": Who(
        _manages, _("Only the circle's leader or an administrator may do this."), actors=MANAGERS
    ),
    "inviter": Who(
        _manages, _("Only the circle's leader or an administrator may invite."), actors=MANAGERS
    ),
    "member_adder": Who(
        _manages,
        _("Only the circle's leader or an administrator may add members."),
        actors=MANAGERS,
    ),
    "member_remover": Who(
        _manages,
        _("Only the circle's leader or an administrator may remove members."),
        actors=MANAGERS,
    ),
    "member": Who(_member, _("Only a member of the circle may leave it."), actors=(MEMBER,)),
    "facilitator": Who(
        _facilitates,
        _("Only the circle's facilitator or leader may do this."),
        actors=(FACILITATOR, LEADER),
    ),
    "holder": Who(_holder, _("Only the holder of the role may do this."), actors=(HOLDER,)),
    "parent_manager": Who(
        _manages_parent,
        _("Only the parent circle's leader or an administrator may do this."),
        actors=PARENT_MANAGERS,
    ),
    "creator": Who(
        lambda user, parent: selectors.can_manage_children(user, parent),
        _("Only the parent circle's leader or an administrator may create a sub-circle."),
        actors=PARENT_MANAGERS,
    ),
    "dissolver": Who(
        _manages_parent,
        _("Only the parent circle's leader or an administrator may dissolve a circle."),
        actors=PARENT_MANAGERS,
    ),
    "leader_appointer": Who(
        _appoints_leader,
        _("The leader is appointed by the parent circle: its leader or an administrator."),
        actors=PARENT_MANAGERS,
    ),
    "delegate_chooser": Who(
        _chooses_delegate,
        _("The delegate is chosen by the circle itself."),
        actors=(LEADER, ADMIN, FACILITATOR),
    ),
    "circle_proposer": Who(
        _proposes_for_circle,
        _(
            "A circle's own aim and domains are proposed in its parent circle: only a "
            "member of it may propose this change."
        ),
        actors=(_("a member of the parent circle"),),
    ),
    "role_proposer": Who(
        _member,
        _("Only a member of the circle may propose a change of its roles."),
        actors=(MEMBER,),
    ),
    "delegate_acceptor": Who(
        lambda user, subject: (
            circle_of(subject).parent_id is not None and _manages_parent(user, subject)
        ),
        _("The parent circle's leader or an administrator records its acceptance."),
        actors=PARENT_MANAGERS,
    ),
}


# When ------------------------------------------------------------------------


def read_only(subject) -> str | None:
    """Why nothing may change in the subject's circle (it is dissolved), or None."""
    circle = circle_of(subject)
    if circle is not None and circle.dissolved is not None:
        return gettext("This circle is dissolved; it is kept read-only.")
    return None


def in_setup(subject) -> str | None:
    """Why the subject's circle's definitions (its aim, domains, roles) may
    not change directly: its set-up is finished, a change is proposed."""
    circle = circle_of(subject)
    if circle is not None and circle.setup_done:
        return gettext(
            "%(circle)s has finished its set-up: its aim, domains and roles change by "
            "consent. Propose this change instead."
        ) % {"circle": circle.name}
    return None


def _past_setup(subject) -> str | None:
    circle = circle_of(subject)
    if circle is not None and not circle.setup_done:
        return gettext(
            "%(circle)s is still setting itself up: its leader changes its definitions directly."
        ) % {"circle": circle.name}
    return None


def deciding_circle(circle, target: str):
    """The circle whose consent changes a definition of ``circle``: the
    parent for the circle's own aim and domains (the root circle decides its
    own), the circle itself for its roles."""
    if target == "circle" and circle.parent_id is not None:
        return circle.parent
    return circle


def setup_action(done: bool) -> str:
    """Finishing the set-up is the circle's; going back to it, the parent's."""
    return "finish_setup" if done else "reopen_setup"


def propose_action(target: str) -> str:
    return "propose_circle_change" if target == "circle" else "propose_role_change"


def _all(*guards):
    def guard(subject) -> str | None:
        for one in guards:
            message = one(subject)
            if message:
                return message
        return None

    return guard


def _not_root(message):
    def guard(subject) -> str | None:
        return str(message) if subject.parent_id is None else None

    return guard


def _no_open_children(circle) -> str | None:
    if circle.children.filter(dissolved__isnull=True).exists():
        return gettext("Dissolve or move its sub-circles first.")
    return None


def _pending(invitation) -> str | None:
    if invitation.accepted is not None:
        return gettext("This invitation was already used.")
    return None


def _current(assignment) -> str | None:
    if assignment.ended is not None:
        return gettext("This assignment has already ended.")
    return None


def _acceptable(assignment) -> str | None:
    refusal = acceptance_refusal(assignment)
    return refusal.message if refusal is not None else None


def assign_action(role) -> str:
    """Which action assigns ``role``: the leader of a child circle is
    appointed by the parent, the delegate chosen by the circle, any other
    role assigned by the circle's leader."""
    if role.kind == Role.Kind.LEADER and role.circle.parent_id is not None:
        return "appoint_leader"
    if role.kind == Role.Kind.DELEGATE:
        return "assign_delegate"
    return "assign_role"


def _assigned_by(name):
    def guard(role) -> str | None:
        if assign_action(role) != name:
            return gettext("This role is assigned another way: %(how)s.") % {
                "how": RULES[assign_action(role)].label
            }
        return None

    return guard


def remove_action(user, by) -> str:
    """Leaving a circle (oneself) or removing someone from it."""
    return "leave_circle" if by is not None and user.pk == by.pk else "remove_member"


# Input -----------------------------------------------------------------------
# The request bodies of the API (django-ninja schemas); the pages' forms carry
# the same fields.


class OrganizationIn(Schema):
    name: str
    slug: str = ""
    language: str = "fr"
    public_log: bool = False
    # What it starts from (circles.blueprints): a template, or "import" with
    # ``structure``, another organization's exported structure document.
    template: str = choice_field(TEMPLATE_NAMES, "first_circle")
    structure: dict | None = None


class OrganizationUpdate(Schema):
    name: str | None = None
    language: str | None = None
    public_log: bool | None = None
    data_licence: str | None = choice_field(DataLicence, None)


class AdminIn(Schema):
    is_admin: bool


class MembersImportIn(Schema):
    # Lines of ``email, name, circles, language`` (a CSV file's text); see
    # circles.imports. ``apply`` false: only the plan, nothing written.
    text: str
    apply: bool = False


class InvitationIn(Schema):
    email: str
    circle: str


class CircleIn(Schema):
    parent: str
    name: str
    slug: str = ""
    aim: str = ""
    domains: list[str] = []


class DuplicateIn(Schema):
    name: str
    slug: str = ""


class CircleUpdate(Schema):
    name: str | None = None
    aim: str | None = None
    domains: list[str] | None = None
    review_months: int | None = None


class SetupIn(Schema):
    #: True: the set-up is finished (definitions change by consent); false: back to it.
    done: bool
    reason: str = ""


class ChangeIn(Schema):
    """A change of definitions put to consent. ``target``: ``circle`` (its aim
    and domains), ``role`` (``role_id``'s definition) or ``new_role``; a
    field left out keeps its current value."""

    target: Literal["circle", "role", "new_role"]
    role_id: int | None = None
    title: str = ""
    reason: str = ""
    aim: str | None = None
    domains: list[str] | None = None
    name: str | None = None
    purpose: str | None = None
    accountabilities: list[str] | None = None
    qualifications: list[str] | None = None
    default_term_months: int | None = None


class MoveIn(Schema):
    parent: str


class CircleReasonIn(Schema):
    reason: str = ""


class MemberIn(Schema):
    user_id: int


class RoleIn(Schema):
    name: str
    purpose: str = ""
    domains: list[str] = []
    accountabilities: list[str] = []
    default_term_months: int = ROLE_LIMITS.default_term_months
    qualifications: list[str] = []
    shared: bool = False


class RoleUpdate(Schema):
    name: str | None = None
    purpose: str | None = None
    domains: list[str] | None = None
    accountabilities: list[str] | None = None
    default_term_months: int | None = None
    qualifications: list[str] | None = None


class AssignIn(Schema):
    user_id: int
    term_start: date | None = None
    term_end: date | None = None
    reason: str = ""


class AcceptIn(Schema):
    accepted: bool = True
    reason: str = ""


# The table -------------------------------------------------------------------

OPEN = frozenset({"open"})


def _action(
    name, label, who, *, subject, page, api, input=None, guard=read_only, service="", summary=""
):
    return Step(
        name=name,
        label=label,
        sources=OPEN,
        target=None,
        who=tuple(who),
        service=f"circles.services.{service or name}",
        input=input,
        guard=guard,
        summary=summary,
        extra={"subject": subject, "page": page, "api": api},
    )


RULES = StepTable(
    subject="subject",
    state_of=lambda subject: "open",
    state_label=lambda subject: "",
    roles=ROLES,
    steps=[
        _action(
            "create_organization",
            _("Create an organization"),
            ["signed_in"],
            subject=None,
            page="circles:organization_new",
            api="create_organization",
            input=OrganizationIn,
            guard=None,
        ),
        _action(
            "update_organization",
            _("Change the organization's settings"),
            ["admin"],
            subject="organization",
            page="circles:settings",
            api="update_organization",
            input=OrganizationUpdate,
            guard=None,
        ),
        _action(
            "set_org_admin",
            _("Grant or remove administrator rights"),
            ["admin"],
            subject="organization",
            page="circles:set_admin",
            api="set_org_admin",
            input=AdminIn,
            guard=None,
        ),
        _action(
            "import_members",
            _("Import members from a list"),
            ["admin"],
            subject="organization",
            page="circles:import_members",
            api="import_members",
            input=MembersImportIn,
            guard=None,
        ),
        _action(
            "invite",
            _("Invite someone"),
            ["inviter"],
            subject="circle",
            page="circles:invite",
            api="create_invitation",
            input=InvitationIn,
        ),
        _action(
            "revoke_invitation",
            _("Revoke an invitation"),
            ["manager"],
            subject="invitation",
            page="circles:revoke_invitation",
            api="revoke_invitation",
            guard=_pending,
        ),
        _action(
            "create_circle",
            _("Create a sub-circle"),
            ["creator"],
            subject="parent",
            page="circles:circle_new",
            api="create_circle",
            input=CircleIn,
        ),
        _action(
            "update_circle",
            _("Rename or edit the circle"),
            ["manager", "parent_manager"],
            subject="circle",
            page="circles:circle_edit",
            api="update_circle",
            input=CircleUpdate,
        ),
        _action(
            "define_circle",
            _("Change the circle's aim and domains directly"),
            ["manager", "parent_manager"],
            subject="circle",
            service="update_circle",
            page="circles:circle_edit",
            api="update_circle",
            input=CircleUpdate,
            guard=_all(read_only, in_setup),
        ),
        _action(
            "finish_setup",
            _("Finish the set-up"),
            ["manager"],
            subject="circle",
            service="set_setup",
            page="circles:circle_setup",
            api="set_setup",
            input=SetupIn,
        ),
        _action(
            "reopen_setup",
            _("Go back to the set-up"),
            ["parent_manager"],
            subject="circle",
            service="set_setup",
            page="circles:circle_setup",
            api="set_setup",
            input=SetupIn,
        ),
        _action(
            "propose_circle_change",
            _("Propose a change of the circle's aim and domains"),
            ["circle_proposer"],
            subject="circle",
            service="propose_change",
            page="circles:propose_change",
            api="propose_change",
            input=ChangeIn,
            guard=_all(read_only, _past_setup),
        ),
        _action(
            "propose_role_change",
            _("Propose a change of the circle's roles"),
            ["role_proposer"],
            subject="circle",
            service="propose_change",
            page="circles:propose_change",
            api="propose_change",
            input=ChangeIn,
            guard=_all(read_only, _past_setup),
        ),
        _action(
            "move_circle",
            _("Move the circle"),
            ["mover"],
            subject="circle",
            page="circles:circle_move",
            api="move_circle",
            input=MoveIn,
            guard=_all(_not_root(_("The root circle cannot be moved.")), read_only),
        ),
        _action(
            "dissolve_circle",
            _("Dissolve the circle"),
            ["dissolver"],
            subject="circle",
            page="circles:circle_dissolve",
            api="dissolve_circle",
            input=CircleReasonIn,
            guard=_all(
                _not_root(_("The root circle cannot be dissolved.")), read_only, _no_open_children
            ),
        ),
        _action(
            "duplicate_circle",
            _("Duplicate the circle"),
            ["dissolver"],
            subject="circle",
            page="circles:circle_duplicate",
            api="duplicate_circle",
            input=DuplicateIn,
            guard=_all(_not_root(_("The root circle cannot be duplicated.")), read_only),
        ),
        _action(
            "add_member",
            _("Add a member"),
            ["member_adder"],
            subject="circle",
            page="circles:add_member",
            api="add_member",
            input=MemberIn,
        ),
        _action(
            "remove_member",
            _("Remove a member"),
            ["member_remover"],
            subject="circle",
            page="circles:remove_member",
            api="remove_member",
            input=CircleReasonIn,
        ),
        _action(
            "leave_circle",
            _("Leave the circle"),
            ["member"],
            subject="circle",
            service="remove_member",
            page="circles:remove_member",
            api="remove_member",
            input=CircleReasonIn,
        ),
        _action(
            "create_role",
            _("Create a role"),
            ["manager"],
            subject="circle",
            page="circles:role_new",
            api="create_role",
            input=RoleIn,
            guard=_all(read_only, in_setup),
        ),
        _action(
            "update_role",
            _("Edit the role"),
            ["manager", "facilitator"],
            subject="role",
            page="circles:role_edit",
            api="update_role",
            input=RoleUpdate,
            guard=_all(read_only, in_setup),
        ),
        _action(
            "assign_role",
            _("Assign the role"),
            ["manager"],
            subject="role",
            page="circles:role_assign",
            api="assign_role",
            input=AssignIn,
            guard=_all(read_only, _assigned_by("assign_role")),
        ),
        _action(
            "appoint_leader",
            _("Appoint the leader (decision of the parent circle)"),
            ["leader_appointer"],
            subject="role",
            service="assign_role",
            page="circles:role_assign",
            api="assign_role",
            input=AssignIn,
            guard=_all(read_only, _assigned_by("appoint_leader")),
        ),
        _action(
            "assign_delegate",
            _("Assign the delegate"),
            ["delegate_chooser"],
            subject="role",
            service="assign_role",
            page="circles:role_assign",
            api="assign_role",
            input=AssignIn,
            guard=_all(read_only, _assigned_by("assign_delegate")),
        ),
        _action(
            "end_assignment",
            _("End the term"),
            ["manager", "holder", "leader_appointer"],
            subject="assignment",
            page="circles:assignment_end",
            api="end_assignment",
            input=CircleReasonIn,
            guard=_all(read_only, _current),
        ),
        _action(
            "accept_delegate",
            _("Record the parent circle's acceptance"),
            ["delegate_acceptor"],
            subject="assignment",
            page="circles:assignment_accept",
            api="accept_delegate",
            input=AcceptIn,
            guard=_acceptable,
        ),
    ],
)


# Where each action is in the JSON API ------------------------------------------
# ``circles.api`` generates one operation per route from this table: its path
# parameters load the subject (``{org}``, ``{circle}``, ``{role_id}``,
# ``{assignment_id}``, ``{invitation_id}``, ``{user_id}``), the step's input is
# its body, the step's service does it and ``returns`` names what it answers.
# Several actions may share an operation (leaving a circle is removing
# oneself; the three ways of assigning a role are one route).


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    returns: str
    status: int = 200
    description: str = ""


API_ROUTES = {
    "create_organization": Route(
        "POST",
        "/orgs",
        "organization",
        201,
        "Create an organization and its root circle; the caller becomes its admin.",
    ),
    "update_organization": Route(
        "PATCH",
        "/orgs/{org}",
        "organization",
        200,
        "Name, default language, public log (administrators).",
    ),
    "set_org_admin": Route("POST", "/orgs/{org}/members/{user_id}/admin", "org_member"),
    "import_members": Route(
        "POST",
        "/orgs/{org}/members/import",
        "import_plan",
        200,
        "Members from a list (administrators): with ``apply`` false, what each line would "
        "do; with ``apply`` true, every line applied, or none (400) when one has an error.",
    ),
    "create_circle": Route(
        "POST",
        "/orgs/{org}/circles",
        "circle",
        201,
        "Create a sub-circle of ``parent`` (an organization has one root circle).",
    ),
    "update_circle": Route(
        "PATCH",
        "/orgs/{org}/circles/{circle}",
        "circle",
        200,
        "Rename, or change the review term; the aim and domains too while the circle "
        "is in its set-up (else 409: propose the change).",
    ),
    "set_setup": Route(
        "POST",
        "/orgs/{org}/circles/{circle}/setup",
        "circle",
        200,
        "Finish the set-up (the circle's leader or an administrator; from then on its "
        "definitions change by consent) or go back to it (the parent circle's leader or "
        "an administrator). Recorded as a decision.",
    ),
    "propose_change": Route(
        "POST",
        "/orgs/{org}/circles/{circle}/changes",
        "proposal",
        201,
        "Propose a change of definitions once the set-up is finished: a draft consent "
        "proposal of the deciding circle (the parent for the circle's own aim and "
        "domains), carrying the change; its adoption applies it.",
    ),
    "move_circle": Route("POST", "/orgs/{org}/circles/{circle}/move", "circle"),
    "dissolve_circle": Route("POST", "/orgs/{org}/circles/{circle}/dissolve", "circle"),
    "duplicate_circle": Route(
        "POST",
        "/orgs/{org}/circles/{circle}/duplicate",
        "circle",
        201,
        "A sibling circle with the same aim, domains and roles (their definitions), "
        "without its members or holders.",
    ),
    "add_member": Route("POST", "/orgs/{org}/circles/{circle}/members", "membership", 201),
    "remove_member": Route(
        "POST", "/orgs/{org}/circles/{circle}/members/{user_id}/remove", "membership"
    ),
    "create_role": Route(
        "POST",
        "/orgs/{org}/circles/{circle}/roles",
        "role",
        201,
        "A custom role (the process roles exist with every circle).",
    ),
    "update_role": Route("PATCH", "/orgs/{org}/roles/{role_id}", "role"),
    "assign_role": Route(
        "POST",
        "/orgs/{org}/roles/{role_id}/assign",
        "assignment",
        201,
        "Assign a role directly, recorded as a decision (the leader of a child\n"
        "circle by the parent circle; the delegate by the circle itself).",
    ),
    "end_assignment": Route("POST", "/orgs/{org}/assignments/{assignment_id}/end", "assignment"),
    "accept_delegate": Route(
        "POST",
        "/orgs/{org}/assignments/{assignment_id}/accept",
        "assignment",
        200,
        "The parent circle records that it accepts (or objects to) a delegate.",
    ),
    "create_invitation": Route(
        "POST",
        "/orgs/{org}/invitations",
        "invitation",
        201,
        "Email an invitation link into a circle (used once, expires).",
    ),
    "revoke_invitation": Route(
        "POST", "/orgs/{org}/invitations/{invitation_id}/revoke", "invitation"
    ),
}


def api_steps(operation: str) -> list[Step]:
    """The actions an API operation offers (all with one service and one input)."""
    found = [step for step in RULES if step.extra["api"] == operation]
    if not found or len({(s.service, s.input) for s in found}) != 1:
        raise ValueError(f"API operation {operation!r}: {[s.name for s in found]}")
    return found


if {step.extra["api"] for step in RULES} != set(API_ROUTES):
    raise ValueError("every action has one API route and every route an action")


def may(action: str, subject, user) -> Verdict:
    """Whether ``user`` may take ``action`` on ``subject`` now (``RULES.may``)."""
    return RULES.may(action, subject, user)


def check(action: str, subject, by) -> None:
    """Raise the refusal of ``may``: services call it before they write."""
    RULES.check(action, subject, by)
