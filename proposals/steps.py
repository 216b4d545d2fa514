"""The consent process, declared once.

Every action on a proposal is one :class:`~core.steps.Step` of ``STEPS``: the
states it starts from, the state it leads to, who may take it, its input (a
django-ninja ``Schema``: the API's request body and the page form's parser),
its service, label, URL segment and API summary. Everything else asks the
table:

- each service calls ``STEPS.check(step, proposal, by)`` before it writes;
- the page's buttons and forms are ``allowed(proposal, user)``;
- the HTML action view (``proposals.views.act``) and the API's action routes
  (``proposals.api``) are generated from it, one per step.

The roles (``who``):

- ``facilitator``: the circle's facilitator (or leader, or an admin:
  ``circles.selectors.can_facilitate``), or the facilitator of the open
  meeting that runs this proposal now (``core.participation``);
- ``author``: who drafted the proposal, while a member of the circle;
- ``participant``: a member of the circle taking part in the rounds: in the
  open round's speakers, else among ``circles.selectors.participants_of``;
- ``secretary``: the secretary of the open meeting that runs this proposal
  now (``core.steps.SECRETARY``), who records an answer for someone present
  without a device (``answer_for``, with the facilitator);
- ``speaker``: the current speaker of an open in-turn round;
- ``objector``: a member with an open objection on the proposal. Which
  objection they may resolve, and how, is :func:`resolutions` (asked by the
  service and the page alike).

A step's ``extra`` holds: ``operation_id`` (the API's, kept stable for
clients), ``place`` (where a step that is not a button of the controls panel
has its form: ``answer``, ``answer_for``, ``reply``, ``objection``, or
``page`` for the draft's own edit page), ``done`` (the page's message after
it), and ``method``/``api_path`` for the one step that is not a POST under
``/orgs/{org}/proposals/{proposal_id}/`` (``edit_draft``: PUT on the proposal).

``acknowledge`` is the one step with two outcomes (``outcomes``): adopted
when everyone consented and no objection is open, else objections.
``step_back`` leads to the state before (``BACK``).
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Schema

from circles import selectors as circle_selectors
from core.errors import Conflict, NotAllowed
from core.participation import is_session_facilitator
from core.schemas import choice_field
from core.steps import ALLOWED, SECRETARY, Step, StepTable, Verdict, Who
from proposals import rounds
from proposals.models import Objection, Proposal, Response, Round

S = Proposal.State
O = Objection.State  # noqa: E741

#: The order the process goes through, for the "where it is" line.
ORDER = [S.DRAFT, S.PRESENTED, S.CLARIFYING, S.REACTIONS, S.CONSENT, S.OBJECTIONS, S.ADOPTED]
OPEN = frozenset({S.DRAFT, S.PRESENTED, S.CLARIFYING, S.REACTIONS, S.CONSENT, S.OBJECTIONS})
#: States in which rounds run.
WITH_ROUNDS = frozenset({S.CLARIFYING, S.REACTIONS, S.CONSENT, S.OBJECTIONS})

#: Where ``step_back`` leads from each state.
BACK = {
    S.PRESENTED: S.DRAFT,
    S.CLARIFYING: S.PRESENTED,
    S.REACTIONS: S.CLARIFYING,
    S.CONSENT: S.REACTIONS,
    S.OBJECTIONS: S.CONSENT,
}

#: The kind of round a state runs when the facilitator opens one.
ROUND_KIND_OF_STATE = {
    S.CLARIFYING: Round.Kind.CLARIFYING,
    S.REACTIONS: Round.Kind.REACTION,
    S.OBJECTIONS: Round.Kind.REACTION,
    S.CONSENT: Round.Kind.CONSENT,
}


# Inputs -------------------------------------------------------------------------
# A text the service requires defaults to "" here, so that its missing value
# gets the service's own message ("Give a reason for this step.") on the page
# and in the API alike.


class RoundIn(Schema):
    mode: str = choice_field(Round.Mode, Round.Mode.IN_TURN.value)
    start_with: int | None = None


class ConsentIn(RoundIn):
    revision: int | None = None


class AsyncConsentIn(Schema):
    deadline: datetime
    revision: int | None = None


class ProposalAnswerIn(Schema):
    kind: str = choice_field(Response.Kind)
    text: str = ""
    concern: str = ""


class AnswerForIn(ProposalAnswerIn):
    member: int


class ReplyIn(Schema):
    text: str = ""


class AmendIn(Schema):
    body: str = ""
    change_note: str = ""


class ReviewIn(Schema):
    review_date: date | None = None


class ProposalReasonIn(Schema):
    reason: str = ""


class ResolveIn(Schema):
    resolution: str = choice_field(["integrated", "dropped", "withdrawn"])
    revision: int | None = None
    reason: str = ""


class DraftIn(Schema):
    title: str
    body: str
    review_date: date | None = None
    #: How the circle will know it works (one a line on the page); None keeps them.
    measures: list[str] | None = None
    #: One of the circle's domains, "" for none; None keeps it.
    domain: str | None = None


# Roles --------------------------------------------------------------------------

# Within one ``allowed()`` call the roles and guards are asked for every step;
# they are remembered for that call only (a service always asks afresh).
_memo: ContextVar[dict | None] = ContextVar("proposal_steps_memo", default=None)


def _remember(name: tuple, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def seen_round(proposal, round_: Round | None) -> None:
    """Within ``remembering``: the open round of ``proposal`` is ``round_``
    (a page just read it with the rest of the process), not to be read again."""
    memo = _memo.get()
    if memo is not None:
        memo[("round", proposal.pk)] = round_


def open_round(proposal) -> Round | None:
    """The proposal's open round (read once within ``remembering``)."""
    return _remember(("round", proposal.pk), lambda: rounds.open_round_of(proposal))


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def _read_standing(user, proposal) -> None:
    """Within ``remembering``: read where ``user`` stands in the proposal's
    circle (member, facilitator, taking part) in one query, for a caller
    about to ask several of the roles (``allowed``: a person's buttons). A
    service's check asks one role, and only that role's query."""
    _remember(
        _standing_key(user, proposal), lambda: circle_selectors.standing(user, proposal.circle)
    )


def _standing(user, proposal) -> circle_selectors.Standing | None:
    """The standing ``_read_standing`` read in this block, else None."""
    memo = _memo.get()
    return memo.get(_standing_key(user, proposal)) if memo is not None else None


def _standing_key(user, proposal) -> tuple:
    return ("standing", user.pk, proposal.circle_id)


def is_facilitator(user, proposal) -> bool:
    """The circle's facilitator, or the facilitator of the meeting running it."""
    if not _authenticated(user):
        return False
    read = _standing(user, proposal)
    return _remember(
        ("facilitator", user.pk, proposal.pk),
        lambda: (
            (read.facilitates if read else circle_selectors.can_facilitate(user, proposal.circle))
            or is_session_facilitator(user, proposal)
        ),
    )


def is_member(user, proposal) -> bool:
    """A current member of the proposal's circle (who may take part in it)."""
    if not _authenticated(user):
        return False
    read = _standing(user, proposal)
    if read is not None:
        return read.takes_part
    return _remember(
        ("member", user.pk, proposal.pk),
        lambda: circle_selectors.can_take_part(user, proposal.circle),
    )


def is_author(user, proposal) -> bool:
    return _authenticated(user) and user.pk == proposal.author_id and is_member(user, proposal)


def is_participant(user, proposal) -> bool:
    """A member taking part: in the open round, else among those who would."""
    if not is_member(user, proposal):
        return False
    round_ = open_round(proposal)
    if round_ is not None:
        return user.pk in round_.speakers
    return user.pk in _remember(
        ("participants", proposal.pk), lambda: circle_selectors.participants_of(proposal)
    )


def _is_speaker(user, proposal) -> bool:
    round_ = open_round(proposal)
    return (
        _authenticated(user)
        and round_ is not None
        and round_.mode == Round.Mode.IN_TURN
        and round_.current_speaker_id == user.pk
    )


def _is_objector(user, proposal) -> bool:
    return _authenticated(user) and _remember(
        ("objector", user.pk, proposal.pk),
        lambda: proposal.objections.filter(member=user, state=O.OPEN).exists(),
    )


ROLES = {
    "facilitator": Who(
        is_facilitator,
        _("Only the facilitator may take this step."),
        actors=(_("the facilitator"),),
    ),
    "author": Who(
        is_author,
        _("Only the author of the proposal may take this step."),
        actors=(_("the author of the proposal"),),
    ),
    "participant": Who(
        is_participant,
        _("Only a participant of the round answers it."),
        actors=(_("a participant of the round"),),
    ),
    "secretary": SECRETARY,
    "speaker": Who(
        _is_speaker,
        _("Only the facilitator or the current speaker moves it on."),
        actors=(_("the current speaker"),),
    ),
    "objector": Who(
        _is_objector,
        _("Only the facilitator or the objector resolves it."),
        actors=(_("the objector"),),
    ),
}


# Guards: a condition beyond the state (a refusal is a Conflict) -----------------------


def _a_round_is_open(proposal) -> str | None:
    if open_round(proposal) is None:
        return gettext("No round is open.")
    return None


def _an_in_turn_round_goes_on(proposal) -> str | None:
    round_ = open_round(proposal)
    if round_ is None:
        return gettext("No round is open.")
    if round_.mode != Round.Mode.IN_TURN:
        return gettext("Only an in-turn round has a current speaker.")
    if round_.current >= len(round_.speakers):
        return gettext("Everyone has had their turn.")
    return None


def _no_round_is_open(proposal) -> str | None:
    if open_round(proposal) is not None:
        return gettext("Close the round before amending the text.")
    return None


def _answerable(proposal) -> str | None:
    if open_round(proposal) is None:
        return gettext("No round is open; the round may have closed.")
    if proposal.consent_deadline is not None and timezone.now() >= proposal.consent_deadline:
        return gettext("The deadline has passed; the facilitator takes it from here.")
    return None


# The table ----------------------------------------------------------------------

_SERVICES = "proposals.services"
_ROUND_STATES = WITH_ROUNDS


def _step(name, label, sources, target, who, *, service=None, **more) -> Step:
    return Step(
        name=name,
        label=label,
        sources=frozenset(sources),
        target=target,
        who=tuple(who),
        service=f"{_SERVICES}.{service or name}",
        **more,
    )


STEPS = StepTable(
    subject="proposal",
    roles=ROLES,
    steps=[
        _step(
            "present",
            _("Present"),
            {S.DRAFT},
            S.PRESENTED,
            ["facilitator"],
            path="present",
            summary="Facilitator: the author presents the proposal to the circle.",
            extra={"operation_id": "present_proposal"},
        ),
        _step(
            "open_clarifying",
            _("Open the clarifying round"),
            {S.PRESENTED},
            S.CLARIFYING,
            ["facilitator"],
            input=RoundIn,
            path="clarifying",
            summary="Facilitator: open the clarifying-questions round (passing allowed).",
            extra={"operation_id": "open_clarifying_round"},
        ),
        _step(
            "open_reactions",
            _("Open the quick-reactions round"),
            {S.PRESENTED, S.CLARIFYING},
            S.REACTIONS,
            ["facilitator"],
            input=RoundIn,
            path="reactions",
            summary="Facilitator: open the quick-reactions round (no passing).",
            extra={"operation_id": "open_reactions_round"},
        ),
        _step(
            "open_round",
            _("Open another round"),
            {S.CLARIFYING, S.REACTIONS, S.OBJECTIONS},
            None,
            ["facilitator"],
            input=RoundIn,
            path="rounds",
            summary="Facilitator: another round of the current step.",
            extra={"operation_id": "open_round"},
        ),
        _step(
            "next_speaker",
            _("Next speaker"),
            _ROUND_STATES,
            None,
            ["facilitator", "speaker"],
            guard=_an_in_turn_round_goes_on,
            path="rounds/next",
            summary="Facilitator or current speaker: move an in-turn round on.",
            extra={"operation_id": "next_speaker"},
        ),
        _step(
            "close_round",
            _("Close the round"),
            _ROUND_STATES,
            None,
            ["facilitator"],
            guard=_a_round_is_open,
            path="rounds/close",
            summary="Facilitator: close the open round (a reveal round shows its answers).",
            extra={"operation_id": "close_round"},
        ),
        _step(
            "amend",
            _("Amend"),
            {S.REACTIONS, S.OBJECTIONS},
            None,
            ["facilitator", "author"],
            input=AmendIn,
            guard=_no_round_is_open,
            path="revisions",
            summary="Author or facilitator: a new revision with a note of what changed.",
            extra={"operation_id": "amend_proposal"},
        ),
        _step(
            "open_consent",
            _("Open the consent round"),
            {S.REACTIONS, S.OBJECTIONS},
            S.CONSENT,
            ["facilitator"],
            input=ConsentIn,
            service="open_consent_round",
            path="consent",
            summary="Facilitator: the consent round on a named revision (the latest).",
            extra={"operation_id": "open_consent_round"},
        ),
        _step(
            "open_async_consent",
            _("Open for consent until a deadline"),
            {S.PRESENTED, S.REACTIONS, S.OBJECTIONS},
            S.CONSENT,
            ["facilitator"],
            input=AsyncConsentIn,
            path="async-consent",
            summary="Facilitator: open for consent until a deadline (answers hidden until it "
            "closes).",
            extra={"operation_id": "open_async_consent"},
        ),
        _step(
            "acknowledge",
            _("Acknowledge the consent round"),
            {S.CONSENT},
            S.OBJECTIONS,
            ["facilitator"],
            input=ReviewIn,
            outcomes=(S.ADOPTED, S.OBJECTIONS),
            path="acknowledge",
            summary="Facilitator: close the consent round; adopted if all consented, else "
            "objections.",
            extra={"operation_id": "acknowledge"},
        ),
        _step(
            "resolve_objection",
            _("Resolve an objection"),
            {S.CONSENT, S.OBJECTIONS},
            None,
            ["facilitator", "objector"],
            input=ResolveIn,
            path="objections/{objection_id}/resolve",
            summary="Integrated by revision N or dropped (facilitator), or withdrawn (the "
            "objector).",
            extra={
                "operation_id": "resolve_objection",
                "done": _("The objection is resolved."),
                "place": "objection",
            },
        ),
        _step(
            "adopt",
            _("Adopt"),
            {S.OBJECTIONS},
            S.ADOPTED,
            ["facilitator"],
            input=ReviewIn,
            path="adopt",
            summary="Facilitator: adopt once every objection is withdrawn or dropped.",
            extra={"operation_id": "adopt_proposal"},
        ),
        _step(
            "withdraw",
            _("Withdraw"),
            OPEN,
            S.WITHDRAWN,
            ["facilitator", "author"],
            input=ProposalReasonIn,
            path="withdraw",
            summary="Facilitator or author: withdraw, with a reason.",
            extra={"operation_id": "withdraw"},
        ),
        _step(
            "defer",
            _("Defer"),
            OPEN,
            S.DEFERRED,
            ["facilitator"],
            input=ProposalReasonIn,
            path="defer",
            summary="Facilitator: defer, with a reason.",
            extra={"operation_id": "defer"},
        ),
        _step(
            "step_back",
            _("Step back"),
            set(BACK),
            None,
            ["facilitator"],
            input=ProposalReasonIn,
            outcomes=tuple(dict.fromkeys(BACK.values())),
            path="step-back",
            summary="Facilitator: go back one step, with a recorded reason.",
            extra={"operation_id": "step_back"},
        ),
        # The members' own steps: each has its own form on the page.
        _step(
            "answer",
            _("Answer"),
            _ROUND_STATES,
            None,
            ["participant"],
            input=ProposalAnswerIn,
            guard=_answerable,
            path="answers",
            summary="A participant answers the open round for themself (consent, object with a "
            "reason, question, reaction, pass where allowed).",
            extra={
                "operation_id": "answer_round",
                "done": _("Your answer is recorded."),
                "place": "answer",
            },
        ),
        _step(
            "answer_for",
            _("Record an answer for someone"),
            _ROUND_STATES,
            None,
            ["facilitator", "secretary"],
            input=AnswerForIn,
            guard=_answerable,
            path="answers/for",
            summary="Facilitator or the meeting's secretary: record the answer of a participant "
            "without a device (it is theirs; the round keeps who recorded it).",
            extra={
                "operation_id": "answer_round_for",
                "done": _("The answer is recorded."),
                "place": "answer_for",
            },
        ),
        _step(
            "reply",
            _("Reply to a question"),
            OPEN - {S.DRAFT},
            None,
            ["author"],
            input=ReplyIn,
            path="questions/{response_id}/reply",
            summary="The author replies to a clarifying question.",
            extra={
                "operation_id": "reply_to_question",
                "done": _("Your reply is recorded."),
                "place": "reply",
            },
        ),
        _step(
            "edit_draft",
            _("Edit the draft"),
            {S.DRAFT},
            None,
            ["author"],
            input=DraftIn,
            path="edit",
            summary="The author edits the draft (before presentation).",
            # Its own page (a form of the whole text); in the API, PUT on the proposal.
            extra={
                "operation_id": "update_draft",
                "place": "page",
                "method": "PUT",
                "api_path": "",
            },
        ),
    ],
)

#: Steps that are a button (and its fields) in the controls panel; the others
#: have their own form (answer, the per-objection and per-question forms, the
#: draft's page).
BUTTONS = [step.name for step in STEPS if "place" not in step.extra]


def opens_round(name: str) -> bool:
    """Whether step ``name`` opens a round: its input (``RoundIn``) names
    the round's mode and who speaks first."""
    step_input = STEPS[name].input
    return step_input is not None and issubclass(step_input, RoundIn)


@contextmanager
def remembering():
    """Within the block, each role and guard is asked once per person and
    proposal (a page asks the table for every step and every objection)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def allowed(proposal, user) -> list[str]:
    """The steps ``user`` may take on ``proposal`` now, in table order."""
    with remembering():
        if _authenticated(user):
            _read_standing(user, proposal)  # the roles asked for every step, at once
        return STEPS.allowed(proposal, user)


def match(segment: str) -> tuple[Step, dict[str, int]] | None:
    """The step whose URL segment is ``segment`` and the ids it names
    (``objections/3/resolve`` -> resolve_objection, {"objection_id": 3})."""
    for step, pattern in _PATTERNS:
        found = pattern.fullmatch(segment)
        if found:
            return step, {k: int(v) for k, v in found.groupdict().items()}
    return None


def ids_of(step: Step) -> list[str]:
    """The ids a step's URL segment names (``{objection_id}``)."""
    return re.findall(r"{(\w+)}", step.url)


def states_allowing(state: str) -> list[str]:
    """The steps the process offers in ``state`` (to anyone)."""
    return [step.name for step in STEPS if state in step.sources]


def target(name: str, proposal) -> str:
    """The state step ``name`` leads ``proposal`` to (the state itself for a
    step within a state, the state before for ``step_back``)."""
    if name == "step_back":
        return BACK[proposal.state]
    return STEPS[name].target or proposal.state


#: Where a proposal is in the API: under its organization, as every resource.
API_BASE = "/orgs/{org}/proposals/{proposal_id}"


def api_path(step: Step) -> str:
    """The step's path under ``/orgs/{org}/proposals/{proposal_id}`` in the API."""
    path = step.extra.get("api_path", step.url)
    return f"{API_BASE}/{path}" if path else API_BASE


# Objections: who may resolve which, and how ---------------------------------------------


def resolutions(proposal, objection, user) -> list[str]:
    """How ``user`` may resolve ``objection`` now (the page offers exactly these)."""
    return [
        r
        for r in (O.INTEGRATED, O.DROPPED, O.WITHDRAWN)
        if may_resolve(proposal, objection, user, r)
    ]


def may_resolve(proposal, objection, user, resolution: str) -> Verdict:
    """Integrated or dropped: the facilitator, while integrating objections;
    withdrawn: the objector themself, in the consent round or after. The step
    itself (``resolve_objection``) is asked first."""
    verdict = STEPS.may("resolve_objection", proposal, user)
    if not verdict:
        return verdict
    if resolution == O.WITHDRAWN:
        if user.pk != objection.member_id:
            return Verdict(NotAllowed(gettext("Only the objector withdraws an objection.")))
    elif resolution in (O.INTEGRATED, O.DROPPED):
        if not is_facilitator(user, proposal):
            return Verdict(
                NotAllowed(gettext("Only the facilitator integrates or drops an objection."))
            )
        if proposal.state != S.OBJECTIONS:
            return Verdict(
                Conflict(
                    gettext("An objection is integrated or dropped while integrating objections.")
                )
            )
    else:
        return ALLOWED  # the service says the resolution is unknown (Invalid)
    if objection.state != O.OPEN:
        return Verdict(Conflict(gettext("This objection is already resolved.")))
    return ALLOWED


#: How the history names each recorded step (the table's, and those outside it).
EVENT_LABELS = {
    **{step.name: step.label for step in STEPS},
    "create": _("Drafted"),
    "edit_draft": _("Draft edited"),
    "async_adopted": _("Adopted: everyone consented before the deadline"),
}


def event_label(action: str) -> str:
    """How the history names a recorded step (never its code)."""
    return str(EVENT_LABELS.get(action, action))


_PATTERNS = [
    (step, re.compile(re.sub(r"{(\w+)}", r"(?P<\1>[0-9]+)", step.url)))
    for step in STEPS
    if step.extra.get("place") != "page"
]
