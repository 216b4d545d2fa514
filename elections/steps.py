"""The selection process, each step declared once.

One :class:`core.steps.StepTable`: for every step, the states it starts
from, the state it leads to, who may take it, the input it reads (a
django-ninja ``Schema``: the API's request body and the page's form parse
through it, ``core.steps.parse_input``), the service that does it, its label,
its URL segment (the page and the API share it) and its API summary. The
role-change round (a consent step of its own during the setup) is each
step's ``guard``.

Everything asks this table: the services (``STEPS.check``) before writing,
the page's buttons (``STEPS.allowed``), the page's action view and the API's
action routes (generated from it, so a step cannot exist in one and not in
the other).

Who:

- ``facilitator``: the circle's facilitator or leader, or an administrator
  (``circles.selectors.can_facilitate``), or the facilitator of the open
  meeting that runs the selection (``core.participation``);
- ``participant``: a member of the circle who takes part now
  (``circles.selectors.participants_of``: the members present when a meeting
  runs it);
- ``parent``: the parent circle's leader or an administrator (accepts a
  delegate);
- ``recorder``: whoever leads the selection (``facilitator``) or the
  secretary of the open meeting that runs it (``core.participation``): records
  a nomination, a change-round choice or a position for a member present
  without a device. Each ``…_for`` step names the member's own step
  (``extra["for"]``): the member must be able to take it themself now (the
  same actor test, states and guard: ``services`` asks ``STEPS.may`` for the
  member), and what is recorded is theirs, marked ``recorded_by``.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import BeforeValidator

from circles import rules
from circles import selectors as circle_selectors
from circles.models import Role
from core.errors import Conflict
from core.participation import is_session_facilitator, is_session_secretary
from core.schemas import choice_field
from core.steps import Step, StepTable, Who
from elections import selectors
from elections.models import Election

S = Election.State
OPEN_STATES = frozenset(s for s in S.values if s not in Election.CLOSED_STATES)

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
PARENT = "parent"
RECORDER = "recorder"


# Who -------------------------------------------------------------------------------

#: While the buttons are worked out (``STEPS.allowed``: every step asked in
#: turn) or a page is built (``asking``), each actor test runs once per user
#: rather than once per step. Nothing is remembered past the block, and a
#: service's check (``STEPS.check``, inside its transaction) never runs in one.
_answers: ContextVar[dict | None] = ContextVar("election_who_answers", default=None)


@contextmanager
def asking():
    """Within the block, each actor test is asked once per user and selection
    (a block that writes must not ask before its write and rely on it after)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _asked_once(test):
    def ask(user, election):
        answers = _answers.get()
        if answers is None:
            return test(user, election)
        key = (test, user.pk, election.pk)
        if key not in answers:
            answers[key] = test(user, election)
        return answers[key]

    ask.__doc__ = test.__doc__
    return ask


@_asked_once
def facilitates(user, election) -> bool:
    """Whether ``user`` leads ``election`` now: the circle's facilitator (or
    leader, or an admin), or the facilitator of the open meeting running it."""
    return is_session_facilitator(user, election) or circle_selectors.can_facilitate(
        user, election.circle
    )


@_asked_once
def is_member(user, election) -> bool:
    """A current member of the selection's circle (not dissolved)
    (``circles.selectors.can_take_part``). Who takes part now is one
    (``circles.selectors.participants_of``: the members present who are still
    of the circle, else its current members), so only anyone else is looked up."""
    if election.circle.dissolved is not None:
        return False
    return user.pk in selectors.participant_ids(election) or circle_selectors.can_take_part(
        user, election.circle
    )


@_asked_once
def takes_part(user, election) -> bool:
    """A member of the circle who takes part now (present, in a meeting)."""
    return user.pk in selectors.participant_ids(election) and is_member(user, election)


@_asked_once
def records(user, election) -> bool:
    """Whether ``user`` may record for a member present without a device: who
    leads the selection, or the secretary of the open meeting running it."""
    return is_session_secretary(user, election) or facilitates(user, election)


@_asked_once
def answers_for_parent(user, election) -> bool:
    return circle_selectors.can_manage_link(user, election.circle)


ROLES = {
    FACILITATOR: Who(
        facilitates,
        gettext_lazy(
            "Only the circle's facilitator or leader, or the meeting's facilitator, "
            "may lead a selection."
        ),
    ),
    PARTICIPANT: Who(
        takes_part,
        gettext_lazy("Only the members of the circle take part in its selections."),
    ),
    RECORDER: Who(
        records,
        gettext_lazy(
            "Only the selection's facilitator or the meeting's secretary records for "
            "someone without a device."
        ),
    ),
    PARENT: Who(
        answers_for_parent,
        gettext_lazy("The parent circle's leader or an administrator records its acceptance."),
    ),
}


def _dissolved(election, user):
    if election.circle.dissolved is not None:
        return Conflict(_("This circle is dissolved; it is kept read-only."))
    return None


# Guards: the role-change round, and the parent's acceptance --------------------------


def _role_round_open(election) -> bool:
    return election.role_change_round_id is not None and election.role_change_round.closed is None


def role_round_open(election) -> str | None:
    if not _role_round_open(election):
        return _("No round on a change of the role is open.")
    return None


def no_role_round(election) -> str | None:
    if _role_round_open(election):
        return _(
            "The circle is giving its consent to a change of the role: close that round "
            "or drop the change first."
        )
    return None


def role_change_pending(election) -> str | None:
    if election.role_change is None:
        return _("No change of the role is on the table.")
    return None


def delegate_to_accept(election) -> str | None:
    """A delegate was selected and the parent circle may record its answer
    (``circles.rules.acceptance_refusal``)."""
    if election.role.kind != Role.Kind.DELEGATE or election.assignment_id is None:
        return _("Only a delegate is accepted by the parent circle.")
    refusal = rules.acceptance_refusal(election.assignment)
    return refusal.message if refusal is not None else None


# Inputs ------------------------------------------------------------------------------


def _lines(value):
    """A textarea gives one item (a qualification, an accountability) a line;
    the API gives a list."""
    return value.splitlines() if isinstance(value, str) else value


class OpenIn(Schema):
    #: The id of the role to fill (a role of the organization).
    role: int
    term_start: date | None = None
    term_end: date | None = None


# A value a person must give (a nominee, a date, yes or no) defaults to None
# here: the service refuses its absence with a message in the user's
# language, the same on the page and in the API.


class TermIn(Schema):
    term_start: date | None = None
    term_end: date | None = None


class ReviewRoleIn(Schema):
    reason: str = ""
    accountabilities: Annotated[list[str], BeforeValidator(_lines)] | None = None
    qualifications: Annotated[list[str], BeforeValidator(_lines)] | None = None
    default_term_months: int | None = None
    term_start: date | None = None
    term_end: date | None = None
    #: The round on a change of the role: reveal (the default) or in turn.
    mode: Literal["reveal", "in_turn"] = "reveal"


class SelectionAnswerIn(Schema):
    """The same answer as a proposal's round (``proposals.steps.ProposalAnswerIn``):
    ``kind`` (here consent or object), ``text`` (the reason an objection needs),
    ``concern`` (with a consent)."""

    kind: str = choice_field(["consent", "object"], "")
    text: str = ""
    concern: str = ""


class SelectionReasonIn(Schema):
    reason: str = ""


class NominateIn(Schema):
    #: The user id of the person named.
    nominee: int | None = None
    reason: str = ""


# Recording for someone without a device: the member (a user id), then the
# same fields as the member's own step.


class NominateForIn(NominateIn):
    #: The user id of the member present whose nomination this is.
    member: int | None = None


class SelectionAnswerForIn(SelectionAnswerIn):
    #: The user id of the member present whose position this is.
    member: int | None = None


class ProposeIn(Schema):
    """No round mode here: the consent round on a nominee is always in turn,
    the nominee last (``services.propose``)."""

    nominee: int | None = None
    term_end: date | None = None
    reason: str = ""


class ParentIn(Schema):
    accepted: bool | None = None
    reason: str = ""


# The table ---------------------------------------------------------------------------


def _step(name, label, sources, target, who, *, service=None, form="ActionForm", op=None, **kw):
    extra = {"operation_id": op or name, "form": f"elections.forms.{form}", **kw.pop("extra", {})}
    return Step(
        name=name,
        label=label,
        sources=frozenset(sources),
        target=target,
        who=(who,),
        service=f"elections.services.{service or name}",
        extra=extra,
        **kw,
    )


def _for(own: Step, label, *, op, summary) -> Step:
    """The step a recorder takes for a member present without a device: the
    member's own step ``own`` (its states and guard) with a ``member`` too."""
    return _step(
        f"{own.name}_for", label, own.sources, own.target, RECORDER,
        input={NominateIn: NominateForIn, SelectionAnswerIn: SelectionAnswerForIn}[own.input],
        guard=own.guard, form=own.extra["form"].rpartition(".")[2].replace("Form", "ForForm"),
        op=op, path=f"{own.url}/for", summary=summary, extra={"for": own.name},
    )  # fmt: skip


class SelectionSteps(StepTable):
    def allowed(self, subject, user) -> list[str]:
        with asking():
            return super().allowed(subject, user)


_OWN = [
        _step(
            "review_role", gettext_lazy("Propose a change of the role"), {S.SETUP}, None,
            FACILITATOR, input=ReviewRoleIn, guard=no_role_round, form="ReviewRoleForm",
            op="propose_election_role_change", path="review-role",
            summary="Propose a change of the role or term and open its consent round (setup)",
        ),
        _step(
            "answer_role_change", gettext_lazy("Give my position on the change"), {S.SETUP},
            None, PARTICIPANT, input=SelectionAnswerIn, guard=role_round_open, form="AnswerForm",
            op="answer_election_role_change", path="role-change/answer",
            summary="Consent or object (with a reason) to the change of the role",
        ),
        _step(
            "skip_role_speaker", gettext_lazy("Next speaker"), {S.SETUP}, None, FACILITATOR,
            guard=role_round_open, op="skip_election_role_change_speaker",
            path="role-change/skip-speaker",
            summary="Move the round on the change of the role to the next speaker",
        ),
        _step(
            "close_role_change", gettext_lazy("Close the round on the change"), {S.SETUP},
            None, FACILITATOR, guard=role_round_open, op="close_election_role_change",
            path="role-change/close",
            summary="Close the round on the change: applied if all consented, else kept to "
            "amend or drop",
        ),
        _step(
            "drop_role_change", gettext_lazy("Drop the change"), {S.SETUP}, None, FACILITATOR,
            input=SelectionReasonIn, guard=role_change_pending, form="ReasonForm",
            op="drop_election_role_change", path="role-change/drop",
            summary="Drop the change of the role on the table",
        ),
        _step(
            "set_term", gettext_lazy("Change the term"), {S.SETUP}, None, FACILITATOR,
            input=TermIn, guard=no_role_round, form="TermForm", op="set_election_term",
            path="term", summary="Change the term (setup)",
        ),
        _step(
            "start_nominating", gettext_lazy("Start nominating"), {S.SETUP}, S.NOMINATING,
            FACILITATOR, guard=no_role_round, summary="Start nominating",
        ),
        _step(
            "nominate", gettext_lazy("Nominate"), {S.NOMINATING}, None, PARTICIPANT,
            input=NominateIn, form="NominateForm",
            summary="Nominate one person of the circle, with a reason (hidden until shown)",
        ),
        _step(
            "show_nominations", gettext_lazy("Show all nominations"), {S.NOMINATING},
            S.NOMINATIONS_SHOWN, FACILITATOR, summary="Show every nomination at once",
        ),
        _step(
            "start_change_round", gettext_lazy("Start the change round"),
            {S.NOMINATIONS_SHOWN}, S.CHANGING, FACILITATOR, summary="Start the change round",
        ),
        _step(
            "change_nomination", gettext_lazy("Keep or change my nomination"), {S.CHANGING},
            None, PARTICIPANT, input=NominateIn, form="ChangeForm",
            summary="Keep or change one's nomination (a change needs a reason)",
        ),
        _step(
            "start_proposing", gettext_lazy("Move on to the proposal"),
            {S.NOMINATIONS_SHOWN, S.CHANGING}, S.PROPOSING, FACILITATOR,
            summary="Move on to the proposal",
        ),
        # From ``consent`` it amends the proposal on the table (after an
        # objection: a shorter term, or another nominee) and runs the consent
        # round again.
        _step(
            "propose", gettext_lazy("Propose"), {S.PROPOSING, S.CONSENT}, S.CONSENT,
            FACILITATOR, input=ProposeIn, form="ProposeForm", op="propose_nominee",
            summary="Propose (or amend) a nominee and term; opens the consent round, in "
            "turn, nominee last",
        ),
        _step(
            "answer", gettext_lazy("Give my position"), {S.CONSENT}, None, PARTICIPANT,
            input=SelectionAnswerIn, form="AnswerForm", op="answer_consent_round",
            summary="Consent or object (with a reason)",
        ),
        _step(
            "skip_speaker", gettext_lazy("Next speaker"), {S.CONSENT}, None, FACILITATOR,
            summary="Move the consent round to the next speaker",
        ),
        _step(
            "elect", gettext_lazy("Record the selection"), {S.CONSENT}, S.ELECTED,
            FACILITATOR, summary="Record the selection once everyone consented",
        ),
        _step(
            "parent_response", gettext_lazy("Record the parent circle's acceptance"),
            {S.ELECTED}, None, PARENT, input=ParentIn, guard=delegate_to_accept,
            service="record_parent_response", form="ParentResponseForm",
            op="record_parent_response",
            summary="The parent circle accepts the delegate, or objects with a reason",
        ),
        _step(
            "cancel", gettext_lazy("Cancel the selection"), OPEN_STATES, S.CANCELLED,
            FACILITATOR, input=SelectionReasonIn, form="ReasonForm", op="cancel_election",
            summary="Cancel the selection, with a reason",
        ),
]  # fmt: skip
_BY_NAME = {step.name: step for step in _OWN}

STEPS = SelectionSteps(
    subject="election",
    roles=ROLES,
    before=_dissolved,
    steps=[
        *_OWN,
        _for(
            _BY_NAME["nominate"], gettext_lazy("Record a nomination for someone"),
            op="nominate_for",
            summary="Record the nomination of a member present without a device (theirs, "
            "marked recorded by the caller; hidden until shown)",
        ),
        _for(
            _BY_NAME["change_nomination"],
            gettext_lazy("Record a change-round choice for someone"),
            op="change_nomination_for",
            summary="Record the change-round choice of a member present without a device",
        ),
        _for(
            _BY_NAME["answer"], gettext_lazy("Record a position for someone"),
            op="answer_consent_round_for",
            summary="Record the position of a member present without a device in the "
            "consent round (in turn, as if they answered)",
        ),
        _for(
            _BY_NAME["answer_role_change"],
            gettext_lazy("Record a position on the change for someone"),
            op="answer_election_role_change_for",
            summary="Record the position of a member present without a device on the "
            "change of the role",
        ),
    ],
)  # fmt: skip


#: Opening a selection: not a step of the table (there is no selection yet),
#: but its input is read the same way by the page and the API.
OPEN = Step(
    name="open",
    label=gettext_lazy("Open the selection"),
    sources=frozenset(),
    target=S.SETUP,
    who=(FACILITATOR,),
    service="elections.services.open_election",
    input=OpenIn,
)


def event_label(action: str) -> str:
    """How the history names a recorded step (its label, never its code)."""
    if action == OPEN.name:
        return str(OPEN.label)
    if action in STEPS:
        return str(STEPS[action].label)
    return action.replace("_", " ")
