"""A process declared once: its steps, who may take each, and one predicate.

Each engine (``proposals/steps.py``, ``elections/steps.py``, ``circles/rules.py``)
builds one :class:`StepTable`. A :class:`Step` names the states it starts from,
the state it leads to, who may take it, the input it reads (a django-ninja
``Schema``, which is also the API's request body), the service that does it and
its label. Everything else asks the table:

- the service calls ``table.check(step, subject, by)`` (which raises the
  refusal) before it writes;
- the page's buttons are ``table.allowed(subject, user)``;
- the HTML action view and the API action routes are generated from the table
  (:func:`run` parses the input with the step's schema and calls its service),
  so a step cannot exist in one and not in the other, nor take other input.

``core`` knows no app: the engine gives the table its roles (``who``: a
predicate, its refusal message and the people it names, so that a step
several roles may take is refused naming all of them), how to read a subject's state and label,
and any guard a step needs beyond its states.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticError

from core import participation
from core.errors import Conflict, DomainError, Invalid, NotAllowed


@dataclass(frozen=True)
class Verdict:
    """The answer of ``may``: truthy when allowed, else it carries the refusal."""

    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return self.error.message if self.error is not None else ""

    def check(self) -> None:
        """Raise the refusal, if any."""
        if self.error is not None:
            raise self.error


ALLOWED = Verdict()


@dataclass(frozen=True)
class Who:
    """One kind of actor: ``test(user, subject)`` and the message when it fails.

    ``error`` builds the refusal; the default is ``NotAllowed`` (403). An
    actor who may not even read the subject should get ``NotFound`` instead.
    """

    test: Callable[[Any, Any], bool]
    message: str | Promise
    error: type[DomainError] = NotAllowed
    #: Who the test lets through, one phrase per kind of person ("the circle's
    #: leader", "an administrator"): a step several roles may take is refused
    #: naming every one of them (:func:`refusal`).
    actors: tuple[str | Promise, ...] = ()


#: The secretary of the open meeting that runs the subject (the session port,
#: ``core.participation``): records for someone present without a device.
SECRETARY = Who(
    participation.is_session_secretary,
    gettext_lazy("Only the meeting's secretary may take this step."),
    actors=(gettext_lazy("the meeting's secretary"),),
)


def either(phrases: Iterable[str | Promise]) -> str:
    """``a``, ``a or b``, ``a, b or c`` (translated)."""
    words = [str(p) for p in phrases]
    if len(words) < 2:
        return "".join(words)
    return _("%(first)s or %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def refusal(step: "Step", roles: list[Who]) -> DomainError:
    """The refusal of an actor who is none of ``roles``: a role's own message
    when one role may take the step, else one naming everyone who may."""
    if len(roles) == 1:
        return roles[0].error(str(roles[0].message))
    actors: list[str] = []
    for role in roles:
        for actor in role.actors:
            if str(actor) not in actors:
                actors.append(str(actor))
    return roles[0].error(
        _("“%(step)s”: only %(actors)s may take this step.")
        % {"step": step.label, "actors": either(actors)}
    )


@dataclass(frozen=True)
class Step:
    name: str
    label: str | Promise
    sources: frozenset[str]
    #: The state the step leads to; None keeps the state.
    target: str | None
    #: Keys of the table's ``roles``: any one of them may take the step.
    who: tuple[str, ...]
    #: Dotted path of the service: ``service(<subject>=…, by=…, key=…, **input)``.
    service: str
    #: The step's input (request body of the API, the form's fields).
    input: type | None = None
    #: A condition beyond the states: ``guard(subject) -> message or None`` (409).
    guard: Callable[[Any], str | None] | None = None
    #: The step's URL segment (API and page); defaults to the name.
    path: str = ""
    #: One sentence for the API document.
    summary: str = ""
    #: Every state the step may lead to when the outcome depends on the answers.
    outcomes: tuple[str, ...] = ()
    #: Other steps' targets are what the "where it is" line shows; this one is
    #: a step within a state (answer, next speaker) when it keeps the state.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.path or self.name.replace("_", "-")

    def call(self) -> Callable:
        module, _sep, name = self.service.rpartition(".")
        return getattr(import_module(module), name)


class StepTable:
    """The steps of one process and the one predicate that every caller asks."""

    def __init__(
        self,
        *,
        subject: str,
        steps: Iterable[Step],
        roles: Mapping[str, Who],
        state_of: Callable[[Any], str] = lambda s: s.state,
        state_label: Callable[[Any], str] = lambda s: s.get_state_display(),
        before: Callable[[Any, Any], DomainError | None] | None = None,
    ):
        #: The keyword the services take the subject by ("proposal", "election").
        self.subject = subject
        self.steps: dict[str, Step] = {step.name: step for step in steps}
        self.roles = dict(roles)
        self.state_of = state_of
        self.state_label = state_label
        #: A refusal that holds for every step (a dissolved circle, say), asked
        #: after the actor and before the state.
        self.before = before
        for step in self.steps.values():
            unknown = set(step.who) - set(self.roles)
            if unknown:
                raise ValueError(f"step {step.name!r} names unknown roles {sorted(unknown)}")
            silent = [k for k in step.who if len(step.who) > 1 and not self.roles[k].actors]
            if silent:
                raise ValueError(f"step {step.name!r}: roles {silent} name no actors")

    def __iter__(self):
        return iter(self.steps.values())

    def __contains__(self, name) -> bool:
        return name in self.steps

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    @cached_property
    def by_url(self) -> dict[str, Step]:
        return {step.url: step for step in self.steps.values()}

    def may(self, name: str, subject, user) -> Verdict:
        """Whether ``user`` may take step ``name`` on ``subject`` now.

        Actor first, then the state, then the step's guard: the refusal says
        which one failed, and it is the same refusal on the page, in the API
        and in the room.
        """
        step = self.steps[name]
        if user is None or not user.is_authenticated:
            return Verdict(NotAllowed(_("Log in to take part.")))
        roles = [self.roles[key] for key in step.who]
        if not any(role.test(user, subject) for role in roles):
            return Verdict(refusal(step, roles))
        if self.before is not None:
            error = self.before(subject, user)
            if error is not None:
                return Verdict(error)
        if self.state_of(subject) not in step.sources:
            return Verdict(
                Conflict(
                    _("“%(step)s” is not possible now: it is at the step “%(state)s”.")
                    % {"step": step.label, "state": self.state_label(subject)}
                )
            )
        if step.guard is not None:
            message = step.guard(subject)
            if message:
                return Verdict(Conflict(str(message)))
        return ALLOWED

    def check(self, name: str, subject, by) -> None:
        """Raise the refusal of ``may`` (services call it before writing);
        the session of the subject is read once for the whole check."""
        with participation.reading():
            self.may(name, subject, by).check()

    def allowed(self, subject, user) -> list[str]:
        """The steps ``user`` may take now, in table order (the buttons)."""
        # A step of another state is refused whoever asks: the state is
        # compared first (free), the actor and the guard asked only of the
        # steps the state offers. The same answers as ``may`` for each.
        state = self.state_of(subject)
        with participation.reading():
            return [
                name
                for name, step in self.steps.items()
                if state in step.sources and self.may(name, subject, user)
            ]

    def open_states(self, closed: Iterable[str]) -> frozenset[str]:
        closed = set(closed)
        return frozenset(s for step in self.steps.values() for s in step.sources if s not in closed)


def parse_input(step: Step, data: Mapping[str, Any]) -> dict:
    """The step's input from a form (``request.POST``) or a JSON body, validated
    by the step's schema; a bad value is ``Invalid`` naming its field."""
    if step.input is None:
        return {}
    fields = step.input.model_fields
    values: dict[str, Any] = {}
    for name, info in fields.items():
        if hasattr(data, "getlist") and _is_list(info.annotation):
            raw = [v for v in data.getlist(name) if v != ""]
            if raw:
                values[name] = raw
            continue
        raw = data.get(name)
        if raw is None:
            continue  # the schema's default, or its "field required"
        if raw == "" and not _takes_text(info.annotation):
            continue  # an empty number, date or choice is "not given"
        values[name] = raw  # an empty text stays empty: it may clear a field
    try:
        parsed = step.input.model_validate(values)
    except PydanticError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        message = f"{where}: {error.get('msg')}" if where else str(error.get("msg"))
        raise Invalid(message, field=where or None) from None
    return parsed.model_dump()


def _takes_text(annotation) -> bool:
    """Whether a field's type accepts a plain string (``str``, ``str | None``)."""
    if annotation is str:
        return True
    return str in getattr(annotation, "__args__", ())


def _is_list(annotation) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple, set)


def run(table: StepTable, name: str, subject, *, by, key=None, data: Mapping[str, Any]):
    """Take step ``name``: parse its input, call its service (which checks)."""
    step = table[name]
    return step.call()(**{table.subject: subject}, by=by, key=key, **parse_input(step, data))
