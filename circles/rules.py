"""The structure rules of an organization, each declared once.

- The role limits (``ROLE_LIMITS``, ``validate_role_definition``): how many
  qualifications a role has and how long each is, how long its
  accountabilities are, the range of its default term. ``circles.services``
  and the elections' role review both validate with them, so a change the
  circle consents to can always be applied.
- The double link (DESIGN §4): leader and delegate are two different people
  (``link_conflict``, ``check_double_link``), both members of both circles
  (``link_circles``, ``member_of_both``), and the parent circle records that
  it accepts the delegate (``acceptance_refusal``). The services, the
  elections and the health check (``circles.health``) ask these functions.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from circles import selectors
from circles.models import Role
from core.errors import Conflict, DomainError, Invalid

# Role limits -----------------------------------------------------------------


@dataclass(frozen=True)
class RoleLimits:
    name: int = 120
    description: int = 10_000
    qualifications: int = 50
    qualification_length: int = 300
    term_months_min: int = 1
    term_months_max: int = 60


ROLE_LIMITS = RoleLimits()

#: A free text of a circle (aim, domain, a reason): at most this many characters.
MAX_TEXT = ROLE_LIMITS.description
MAX_NAME = ROLE_LIMITS.name


def clean_name(name, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A name is required."), field=field)
    if len(name) > MAX_NAME:
        raise Invalid(_("A name has at most %(n)d characters.") % {"n": MAX_NAME}, field=field)
    return name


def clean_text(text, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(_("This text has at most %(n)d characters.") % {"n": MAX_TEXT}, field=field)
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
            _("At most %(n)d qualifications of %(length)d characters each.")
            % {"n": limits.qualifications, "length": limits.qualification_length},
            field="qualifications",
        )
    return items


def clean_term_months(months) -> int:
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise Invalid(
            _("A term is a whole number of months."), field="default_term_months"
        ) from None
    low, high = ROLE_LIMITS.term_months_min, ROLE_LIMITS.term_months_max
    if not low <= months <= high:
        raise Invalid(
            _("A term is between %(low)d and %(high)d months.") % {"low": low, "high": high},
            field="default_term_months",
        )
    return months


def validate_role_definition(
    *, name=None, description=None, qualifications=None, default_term_months=None
) -> dict:
    """The cleaned values of what is given (a None is left out), or ``Invalid``
    naming the first field beyond ``ROLE_LIMITS``."""
    cleaned = {}
    if name is not None:
        cleaned["name"] = clean_name(name)
    if description is not None:
        cleaned["description"] = clean_text(description, "description")
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
    return _(
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
        return Invalid(_("Only a delegate is accepted by the parent circle."))
    if assignment.ended is not None:
        return Conflict(_("This assignment has ended."))
    if assignment.parent_acceptance_id is not None:
        return Conflict(_("The parent circle has already accepted this delegate."))
    return None
