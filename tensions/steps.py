"""The life of a tension, declared once.

``raise`` starts a tension on a circle (or on the organization: "I don't know
which"); ``forward``, ``take`` and ``answer`` act on an open tension. Who:

- ``org_member``: any current member of the organization raises, on any open
  circle of it, not only their own circles;
- ``circle_member``: a current member of the circle whose backlog holds the
  tension, or its facilitator, takes, forwards or answers it.

Someone who may not read the organization gets ``NotFound`` (404) from the
services before the table is asked: outsiders learn nothing. The moving up of
an unrouted tension (``escalated``) is the scheduled job's, no person's step.
Services call ``STEPS.check``; pages, buttons and the API read the table.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Schema

from circles import selectors as circle_selectors
from circles.models import Circle, Organization, Role
from core.errors import Conflict
from core.schemas import choice_field
from core.steps import Step, StepTable, Who
from tensions.models import Tension
from tensions.selectors import may_arrange, next_meeting

S = Tension.State
#: The state of what a tension is raised on (a circle, an organization).
NEW = "new"

#: What ``take`` may turn a tension into (an answer is its own step).
TAKE_OUTCOMES = (
    Tension.Outcome.PROPOSAL,
    Tension.Outcome.SELECTION,
    Tension.Outcome.AGENDA_ITEM,
)


# Inputs ---------------------------------------------------------------------


class RaiseIn(Schema):
    #: A circle's slug; empty or absent: "I don't know which".
    circle: str | None = None
    title: str = ""
    what_is: str = ""
    what_should_be: str = ""
    affected: str = ""


class ForwardIn(Schema):
    #: The slug of the circle it goes to: the parent, a child or a sibling.
    to: str = ""
    reason: str = ""


class TakeIn(Schema):
    outcome: str = choice_field([o.value for o in TAKE_OUTCOMES])
    #: The proposal's title (default: the tension's).
    title: str = ""
    #: A selection: the id of the circle's role to select for.
    role: int | None = None


class AnswerIn(Schema):
    text: str = ""


# Roles ----------------------------------------------------------------------


def organization_of(subject):
    if isinstance(subject, Organization):
        return subject
    if isinstance(subject, Circle | Tension):
        return subject.organization
    return None


def circle_of(subject):
    if isinstance(subject, Circle):
        return subject
    if isinstance(subject, Tension):
        return subject.circle
    return None


def _org_member(user, subject) -> bool:
    organization = organization_of(subject)
    return organization is not None and circle_selectors.is_org_member(user, organization)


def is_circle_member(user, subject) -> bool:
    """A current member of the tension's circle, or its facilitator."""
    circle = circle_of(subject)
    return circle is not None and (
        circle_selectors.is_circle_member(user, circle)
        or circle_selectors.holds_role(user, circle, Role.Kind.FACILITATOR)
    )


ROLES = {
    "org_member": Who(
        _org_member,
        _("Only a member of the organization may raise a tension."),
        actors=(_("a member of the organization"),),
    ),
    "circle_member": Who(
        is_circle_member,
        _(
            "Only a member of the circle or its facilitator may take up, answer or forward "
            "this tension."
        ),
        actors=(_("a member of the circle"), _("its facilitator")),
    ),
}


def _state_of(subject) -> str:
    return subject.state if isinstance(subject, Tension) else NEW


def _state_label(subject) -> str:
    return subject.get_state_display() if isinstance(subject, Tension) else gettext("new")


def _before(subject, user):
    circle = circle_of(subject)
    if circle is not None and circle.dissolved is not None and not isinstance(subject, Tension):
        return Conflict(gettext("This circle is dissolved; it is kept read-only."))
    return None


def _step(name, label, sources, target, who, **more) -> Step:
    return Step(
        name=name,
        label=label,
        sources=frozenset(sources),
        target=target,
        who=tuple(who),
        service=f"tensions.services.{more.pop('service', name)}",
        **more,
    )


STEPS = StepTable(
    subject="tension",
    roles=ROLES,
    state_of=_state_of,
    state_label=_state_label,
    before=_before,
    steps=[
        _step(
            "raise",
            _("Raise a tension"),
            {NEW},
            S.OPEN,
            ["org_member"],
            input=RaiseIn,
            service="raise_tension",
            summary="A member of the organization raises a tension on a circle, or on "
            "“I don't know which” (the root circle's backlog).",
            extra={"operation_id": "raise_tension"},
        ),
        _step(
            "forward",
            _("Forward"),
            {S.OPEN},
            S.OPEN,
            ["circle_member"],
            input=ForwardIn,
            summary="A member of the circle: forward to the circle whose domain it is (the "
            "parent, a child, or a sibling through the parent), with a reason.",
            extra={"operation_id": "forward_tension", "done": _("The tension is forwarded.")},
        ),
        _step(
            "take",
            _("Take"),
            {S.OPEN},
            S.TAKEN,
            ["circle_member"],
            input=TakeIn,
            summary="A member of the circle: take it as a draft proposal, a selection or an "
            "item of the circle's next scheduled meeting.",
            extra={"operation_id": "take_tension", "done": _("The tension is taken.")},
        ),
        _step(
            "answer",
            _("Answer"),
            {S.OPEN},
            S.ANSWERED,
            ["circle_member"],
            input=AnswerIn,
            summary="A member of the circle: answer it with a text (it closes).",
            extra={"operation_id": "answer_tension", "done": _("The tension is answered.")},
        ),
    ],
)

#: The steps on an open tension (the page's forms, the API's action routes).
ACTIONS = [step for step in STEPS if step.name != "raise"]


def take_outcomes(tension, user) -> list[tuple[str, str]]:
    """What ``user`` may take ``tension`` up as, with its label: a draft
    proposal (any member); a selection only for who may open one (the
    circle's facilitator or leader, an administrator); an item for the next
    meeting, put on its agenda by who may arrange it, proposed on its draft
    agenda by anyone else (``services.take``)."""
    circle = tension.circle
    facilitates = circle_selectors.can_facilitate(user, circle)
    found = [(Tension.Outcome.PROPOSAL.value, Tension.Outcome.PROPOSAL.label)]
    if facilitates:
        found.append((Tension.Outcome.SELECTION.value, Tension.Outcome.SELECTION.label))
    if may_arrange(user, circle, next_meeting(circle)):
        found.append((Tension.Outcome.AGENDA_ITEM.value, Tension.Outcome.AGENDA_ITEM.label))
    else:
        found.append(
            (Tension.Outcome.AGENDA_ITEM.value, _("An item proposed for the next meeting"))
        )
    return found


def allowed(tension, user) -> list[str]:
    return [step.name for step in ACTIONS if STEPS.may(step.name, tension, user)]


#: How the history names each event.
EVENT_LABELS = {
    "raised": _("Raised"),
    "forwarded": _("Forwarded"),
    "escalated": _("Moved up: nobody routed it in time"),
    "taken": _("Taken"),
    "answered": _("Answered"),
}
