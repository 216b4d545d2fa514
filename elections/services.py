"""Every step of a selection without candidates.

The process is one table (``STEPS``): which states a step starts from, the
state it leads to, and who may take it. Services, the buttons on the page and
the API all read it. Each service runs in one transaction, locks the election
row first (so two facilitators clicking at once, or a double click, take the
step once), claims the idempotency key, checks permission and state, and
raises a domain error before writing anything.
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles import selectors as circle_selectors
from circles import services as circle_services
from circles.models import Role
from core import events
from core.errors import Conflict, Invalid, NotAllowed
from core.idempotency import first_time
from decisions.models import Decision
from decisions.services import record_decision
from elections import selectors
from elections.models import Election, ElectionEvent, Nomination
from proposals import rounds
from proposals.models import Response, Round

S = Election.State
OPEN_STATES = frozenset(s for s in S.values if s not in Election.CLOSED_STATES)
MAX_REASON = 5_000

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
PARENT = "parent"


#: Whether a step depends on the role-change round (a consent step of its own
#: during the setup): ``OPEN`` needs that round open, ``NONE`` is refused while
#: it is open, ``PENDING`` needs a change on the table; ``None``: either way.
ROLE_ROUND_OPEN = "open"
ROLE_ROUND_NONE = "none"
ROLE_CHANGE_PENDING = "pending"


@dataclass(frozen=True)
class Step:
    label: str
    sources: frozenset
    target: str | None  # None: the step keeps the state
    who: str
    role_round: str | None = None


#: The selection process (DESIGN §4): step -> (from states, to state, who).
STEPS: dict[str, Step] = {
    "review_role": Step(
        gettext_lazy("Propose a change of the role"),
        frozenset({S.SETUP}),
        None,
        FACILITATOR,
        ROLE_ROUND_NONE,
    ),
    "answer_role_change": Step(
        gettext_lazy("Give my position on the change"),
        frozenset({S.SETUP}),
        None,
        PARTICIPANT,
        ROLE_ROUND_OPEN,
    ),
    "skip_role_speaker": Step(
        gettext_lazy("Next speaker"), frozenset({S.SETUP}), None, FACILITATOR, ROLE_ROUND_OPEN
    ),
    "close_role_change": Step(
        gettext_lazy("Close the round on the change"),
        frozenset({S.SETUP}),
        None,
        FACILITATOR,
        ROLE_ROUND_OPEN,
    ),
    "drop_role_change": Step(
        gettext_lazy("Drop the change"),
        frozenset({S.SETUP}),
        None,
        FACILITATOR,
        ROLE_CHANGE_PENDING,
    ),
    "set_term": Step(
        gettext_lazy("Change the term"), frozenset({S.SETUP}), None, FACILITATOR, ROLE_ROUND_NONE
    ),
    "start_nominating": Step(
        gettext_lazy("Start nominating"),
        frozenset({S.SETUP}),
        S.NOMINATING,
        FACILITATOR,
        ROLE_ROUND_NONE,
    ),
    "nominate": Step(gettext_lazy("Nominate"), frozenset({S.NOMINATING}), None, PARTICIPANT),
    "show_nominations": Step(
        gettext_lazy("Show all nominations"),
        frozenset({S.NOMINATING}),
        S.NOMINATIONS_SHOWN,
        FACILITATOR,
    ),
    "start_change_round": Step(
        gettext_lazy("Start the change round"),
        frozenset({S.NOMINATIONS_SHOWN}),
        S.CHANGING,
        FACILITATOR,
    ),
    "change_nomination": Step(
        gettext_lazy("Keep or change my nomination"), frozenset({S.CHANGING}), None, PARTICIPANT
    ),
    "start_proposing": Step(
        gettext_lazy("Move on to the proposal"),
        frozenset({S.NOMINATIONS_SHOWN, S.CHANGING}),
        S.PROPOSING,
        FACILITATOR,
    ),
    # From ``consent`` it amends the proposal on the table (after an objection:
    # a shorter term, or another nominee) and runs the consent round again.
    "propose": Step(
        gettext_lazy("Propose"), frozenset({S.PROPOSING, S.CONSENT}), S.CONSENT, FACILITATOR
    ),
    "answer": Step(gettext_lazy("Give my position"), frozenset({S.CONSENT}), None, PARTICIPANT),
    "skip_speaker": Step(gettext_lazy("Next speaker"), frozenset({S.CONSENT}), None, FACILITATOR),
    "elect": Step(
        gettext_lazy("Record the selection"), frozenset({S.CONSENT}), S.ELECTED, FACILITATOR
    ),
    "parent_response": Step(
        gettext_lazy("Record the parent circle's acceptance"),
        frozenset({S.ELECTED}),
        None,
        PARENT,
    ),
    "cancel": Step(gettext_lazy("Cancel the selection"), OPEN_STATES, S.CANCELLED, FACILITATOR),
}


# Helpers ---------------------------------------------------------------------


def _person(user) -> dict:
    return {"id": user.pk, "name": user.name}


def _role_snapshot(role) -> dict:
    return {
        "id": role.pk,
        "kind": role.kind,
        "name": role.name,
        "description": role.description,
        "default_term_months": role.default_term_months,
        "qualifications": list(role.qualifications),
    }


def _lock(election) -> Election:
    return (
        Election.objects.select_for_update(of=("self",))
        .select_related(
            "circle", "circle__organization", "circle__parent", "role", "role_change_round"
        )
        .get(pk=election.pk)
    )


def may(step: str, election: Election, user) -> bool:
    """Whether ``user`` may take ``step`` now: the permission and the state."""
    rule = STEPS[step]
    if election.state not in rule.sources or _role_round_blocks(rule, election):
        return False
    if user is None or not user.is_authenticated:
        return False
    circle = election.circle
    if rule.who == FACILITATOR:
        return circle_selectors.can_facilitate(user, circle) and circle.dissolved is None
    if rule.who == PARENT:
        return (
            election.role.kind == Role.Kind.DELEGATE
            and election.assignment_id is not None
            and election.assignment.parent_acceptance_id is None
            and circle_selectors.can_manage_link(user, circle)
        )
    return circle_selectors.can_take_part(user, circle) and user.pk in selectors.participant_ids(
        election
    )


def _role_round_blocks(rule: Step, election: Election) -> str | None:
    """Why the role-change round forbids ``rule`` now (a message), or None."""
    round_open = election.role_change_round_id is not None and (
        election.role_change_round.closed is None
    )
    if rule.role_round == ROLE_ROUND_OPEN and not round_open:
        return _("No round on a change of the role is open.")
    if rule.role_round == ROLE_ROUND_NONE and round_open:
        return _(
            "The circle is giving its consent to a change of the role: close that round "
            "or drop the change first."
        )
    if rule.role_round == ROLE_CHANGE_PENDING and election.role_change is None:
        return _("No change of the role is on the table.")
    return None


def allowed_steps(election: Election, user) -> list[str]:
    """The steps ``user`` may take now, in table order (the page's buttons)."""
    return [name for name in STEPS if may(name, election, user)]


def _check(step: str, election: Election, by) -> None:
    """Permission first, then state: the message says which one failed."""
    rule = STEPS[step]
    circle = election.circle
    if rule.who == FACILITATOR:
        if not circle_selectors.can_facilitate(by, circle):
            raise NotAllowed(_("Only the circle's facilitator or leader may lead a selection."))
    elif rule.who == PARENT:
        if not circle_selectors.can_manage_link(by, circle):
            raise NotAllowed(
                _("The parent circle's leader or an administrator records its acceptance.")
            )
    elif not (
        circle_selectors.can_take_part(by, circle) and by.pk in selectors.participant_ids(election)
    ):
        raise NotAllowed(_("Only the members of the circle take part in its selections."))
    if circle.dissolved is not None:
        raise Conflict(_("This circle is dissolved; it is kept read-only."))
    if election.state not in rule.sources:
        raise Conflict(
            _("“%(step)s” is not possible now: the selection is at the step “%(state)s”.")
            % {"step": rule.label, "state": election.get_state_display()}
        )
    blocked = _role_round_blocks(rule, election)
    if blocked:
        raise Conflict(blocked)


def _move(election: Election, step: str, by, *, reason: str = "", data=None) -> ElectionEvent:
    """Apply the step's target state and write the event that records it."""
    before = election.state
    target = STEPS[step].target
    if target is not None and target != before:
        election.state = target
        election.save(update_fields=["state"])
    events.changed(election)
    return ElectionEvent.objects.create(
        election=election,
        action=step,
        from_state=before,
        to_state=election.state,
        by=by,
        reason=reason,
        data=data or {},
    )


def _clean(text: str, field: str, *, required: str | None = None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_REASON:
        raise Invalid(_("This text has at most %(n)d characters.") % {"n": MAX_REASON}, field=field)
    if required and not text:
        raise Invalid(required, field=field)
    return text


def _check_term(term_start, term_end) -> None:
    if not isinstance(term_start, date) or not isinstance(term_end, date):
        raise Invalid(_("A term needs a start and an end date."), field="term_end")
    if term_end <= term_start:
        raise Invalid(_("The term must end after it starts."), field="term_end")


def _member_of_circle(election: Election, user, field: str) -> None:
    if user is None or not circle_selectors.is_circle_member(user, election.circle):
        raise Invalid(
            _("%(name)s is not a member of the circle %(circle)s.")
            % {"name": user.name if user else "?", "circle": election.circle.name},
            field=field,
        )


# Setup -------------------------------------------------------------------------


@transaction.atomic
def open_election(
    *,
    role,
    by,
    term_start: date | None = None,
    term_end: date | None = None,
    idempotency_key=None,
) -> Election:
    """The facilitator opens a selection for a role of the circle.

    The term defaults to the role's default term from today.
    """
    role = Role.objects.select_related("circle", "circle__organization").get(pk=role.pk)
    # Lock the role: two facilitators opening a selection for it at once
    # would otherwise both pass the "no open selection" check.
    Role.objects.select_for_update().filter(pk=role.pk).first()
    circle = role.circle
    if not first_time(key=idempotency_key, user=by):
        existing = Election.objects.filter(role=role).order_by("-created").first()
        if existing is not None:
            return existing
    if not circle_selectors.can_facilitate(by, circle):
        raise NotAllowed(_("Only the circle's facilitator or leader may open a selection."))
    if circle.dissolved is not None:
        raise Conflict(_("This circle is dissolved; it is kept read-only."))
    if role.kind == Role.Kind.LEADER and circle.parent_id is not None:
        raise Invalid(
            _("The leader of a circle is appointed by its parent circle, not selected by it."),
            field="role",
        )
    if role.shared:
        raise Invalid(_("A shared role is assigned directly, not by a selection."), field="role")
    if Election.objects.filter(role=role).exclude(state__in=Election.CLOSED_STATES).exists():
        raise Conflict(_("A selection for this role is already open."))
    term_start = term_start or timezone.localdate()
    term_end = term_end or circle_services.default_term_end(role, term_start)
    _check_term(term_start, term_end)
    election = Election.objects.create(
        circle=circle, role=role, term_start=term_start, term_end=term_end, facilitator=by
    )
    ElectionEvent.objects.create(
        election=election,
        action="open",
        from_state=S.SETUP,
        to_state=S.SETUP,
        by=by,
        data={"term_start": term_start.isoformat(), "term_end": term_end.isoformat()},
    )
    events.changed(election)
    return election


@transaction.atomic
def set_term(*, election, by, term_start: date, term_end: date, idempotency_key=None) -> Election:
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("set_term", election, by)
    _check_term(term_start, term_end)
    election.term_start, election.term_end = term_start, term_end
    election.save(update_fields=["term_start", "term_end"])
    _move(
        election,
        "set_term",
        by,
        data={"term_start": term_start.isoformat(), "term_end": term_end.isoformat()},
    )
    return election


def _role_round(election) -> Round:
    round_ = election.role_change_round
    if round_ is None or round_.closed is not None:
        raise Conflict(_("No round on a change of the role is open."))
    return round_


@transaction.atomic
def review_role(
    *,
    election,
    by,
    reason: str,
    description: str | None = None,
    qualifications=None,
    default_term_months: int | None = None,
    term_start: date | None = None,
    term_end: date | None = None,
    mode: str = Round.Mode.REVEAL,
    idempotency_key=None,
) -> Election:
    """Put a change of the role (and/or the term) to the circle's consent.

    Changing the role is a small consent step of its own: the change waits on
    the election, a consent round opens on it, and only once everyone
    consented does the facilitator's closing apply it (a ``structure``
    decision carrying the positions). After an objection the facilitator may
    propose an amended change (this step again) or drop it.
    """
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("review_role", election, by)
    reason = _clean(reason, "reason", required=_("Give the reason for the change."))
    role = election.role
    change = {}
    if description is not None:
        description = description.strip()
        if len(description) > MAX_REASON:
            raise Invalid(
                _("This text has at most %(n)d characters.") % {"n": MAX_REASON},
                field="description",
            )
        if description != role.description:
            change["description"] = {"before": role.description, "after": description}
    if qualifications is not None:
        if isinstance(qualifications, str):
            qualifications = qualifications.splitlines()
        cleaned = [q.strip() for q in qualifications if q and q.strip()]
        if cleaned != list(role.qualifications):
            change["qualifications"] = {"before": list(role.qualifications), "after": cleaned}
    if default_term_months is not None:
        if not 1 <= int(default_term_months) <= 60:
            raise Invalid(
                _("A default term is between 1 and 60 months."), field="default_term_months"
            )
        if int(default_term_months) != role.default_term_months:
            change["default_term_months"] = {
                "before": role.default_term_months,
                "after": int(default_term_months),
            }
    if term_start is not None or term_end is not None:
        start = term_start or election.term_start
        end = term_end or election.term_end
        _check_term(start, end)
        if (start, end) != (election.term_start, election.term_end):
            change["term"] = {
                "before": [election.term_start.isoformat(), election.term_end.isoformat()],
                "after": [start.isoformat(), end.isoformat()],
            }
    if not change:
        raise Invalid(_("The change leaves the role and the term as they are."))
    participant_ids = selectors.participant_ids(election)
    round_ = rounds.open_round(
        subject=election,
        kind=Round.Kind.CONSENT,
        participant_ids=participant_ids,
        by=by,
        mode=mode,
    )
    amends = election.role_change is not None
    election.role_change = {"changes": change, "reason": reason}
    election.role_change_by = by
    election.role_change_round = round_
    election.save(update_fields=["role_change", "role_change_by", "role_change_round"])
    _move(
        election,
        "review_role",
        by,
        reason=reason,
        data={"round": round_.pk, "changes": change, "amends": amends},
    )
    return election


@transaction.atomic
def answer_role_change(
    *, election, by, position: str, reason: str = "", concern: str = "", idempotency_key=None
) -> Response:
    """Consent or object (with a reason) to the change of the role on the table."""
    election = _lock(election)
    return _respond(
        election,
        by,
        step="answer_role_change",
        round_for=_role_round,
        answered_in=Q(round_id=election.role_change_round_id),
        position=position,
        reason=reason,
        concern=concern,
        idempotency_key=idempotency_key,
    )


def _respond(
    election, by, *, step, round_for, answered_in, position, reason, concern, idempotency_key
) -> Response:
    """A position in one of the election's consent rounds (the nominee's, or a
    role change's): a repeated key gives back the position already taken."""
    if not first_time(key=idempotency_key, user=by):
        current = (
            Response.objects.filter(answered_in, member=by, replaced__isnull=True)
            .order_by("-created")
            .first()
        )
        if current is not None:
            return current
    _check(step, election, by)
    if position not in (Response.Kind.CONSENT, Response.Kind.OBJECT):
        raise Invalid(_("Choose consent or objection."), field="position")
    response = rounds.respond(
        round_=round_for(election), member=by, kind=position, text=reason, concern=concern
    )
    events.changed(election)
    return response


@transaction.atomic
def skip_role_speaker(*, election, by, idempotency_key=None) -> Election:
    return _skip(_lock(election), by, "skip_role_speaker", _role_round, idempotency_key)


def _skip(election, by, step, round_for, idempotency_key) -> Election:
    """The facilitator moves an in-turn round on to the next speaker."""
    if not first_time(key=idempotency_key, user=by):
        return election
    _check(step, election, by)
    round_ = rounds.advance(round_=round_for(election))
    _move(election, step, by, data={"round": round_.pk})
    return election


def _plain_step(election, by, step, idempotency_key) -> Election:
    """A step that only moves the selection on (the table says where)."""
    if not first_time(key=idempotency_key, user=by):
        return election
    _check(step, election, by)
    _move(election, step, by)
    return election


def _positions(round_: Round, people: dict) -> list[dict]:
    return [
        {
            "member": _person(people[r.member_id]) if r.member_id in people else None,
            "position": r.kind,
            "text": r.text,
            "concern": r.concern,
        }
        for r in rounds.current_responses(round_)
        if r.is_position
    ]


@transaction.atomic
def close_role_change(*, election, by, idempotency_key=None) -> Election:
    """Close the round on the change of the role.

    Everyone consented: the change is applied (the role through
    ``circles.services.update_role``, a decision carrying the positions; the
    election's term here) and cleared. An objection: nothing changes, the
    objections are recorded, and the change stays on the table to amend or drop.
    """
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("close_role_change", election, by)
    round_ = rounds.lock_round(_role_round(election))
    current = [r for r in rounds.current_responses(round_) if r.is_position]
    objections = [r for r in current if r.kind == Response.Kind.OBJECT]
    if not objections and {r.member_id for r in current} != set(round_.speakers):
        raise Conflict(_("Not everyone has given their position yet."))
    round_ = rounds.close_round(round_=round_)
    people = {u.pk: u for u in selectors.participants_for(election)}
    positions = _positions(round_, people)
    change = election.role_change["changes"]
    reason = election.role_change["reason"]
    if objections:
        _move(
            election,
            "close_role_change",
            by,
            reason=reason,
            data={
                "outcome": "objected",
                "round": round_.pk,
                "changes": change,
                "objections": [p for p in positions if p["position"] == Response.Kind.OBJECT],
            },
        )
        return election
    consent = {
        "round": round_.pk,
        "mode": round_.mode,
        "reason": reason,
        "proposed_by": _person(election.role_change_by),
        "participants": [_person(people[uid]) for uid in round_.speakers if uid in people],
        "positions": positions,
    }
    role_fields = {
        key: change[key]["after"]
        for key in ("description", "qualifications", "default_term_months")
        if key in change
    }
    decision_sequence = None
    if role_fields:
        before_months = election.role.default_term_months
        role = circle_services.update_role(
            role=election.role,
            by=by,
            record_extra={"election": {"id": election.pk}, "consent": consent},
            **role_fields,
        )
        election.role = role
        if role.default_term_months != before_months and "term" not in change:
            election.term_end = circle_services.default_term_end(role, election.term_start)
        last = (
            Decision.objects.filter(record__action="role_updated", record__election__id=election.pk)
            .order_by("-sequence")
            .first()
        )
        decision_sequence = last.sequence if last else None
    if "term" in change:
        start, end = change["term"]["after"]
        election.term_start, election.term_end = date.fromisoformat(start), date.fromisoformat(end)
    election.role_change, election.role_change_by = None, None
    election.save(update_fields=["role", "term_start", "term_end", "role_change", "role_change_by"])
    _move(
        election,
        "close_role_change",
        by,
        reason=reason,
        data={
            "outcome": "applied",
            "round": round_.pk,
            "changes": change,
            "positions": positions,
            "decision": decision_sequence,
            "role": _role_snapshot(election.role),
        },
    )
    return election


@transaction.atomic
def drop_role_change(*, election, by, reason: str = "", idempotency_key=None) -> Election:
    """Take the change of the role off the table (closing its round if open)."""
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("drop_role_change", election, by)
    round_ = election.role_change_round
    if round_ is not None and round_.closed is None:
        rounds.close_round(round_=round_)
    change = election.role_change
    election.role_change, election.role_change_by = None, None
    election.save(update_fields=["role_change", "role_change_by"])
    _move(
        election,
        "drop_role_change",
        by,
        reason=(reason or "").strip(),
        data={"changes": change["changes"], "round": round_.pk if round_ else None},
    )
    return election


@transaction.atomic
def start_nominating(*, election, by, idempotency_key=None) -> Election:
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("start_nominating", election, by)
    if len(selectors.participant_ids(election)) < 1:
        raise Conflict(_("The circle has no members to nominate anyone."))
    _move(election, "start_nominating", by)
    return election


# Nominations ---------------------------------------------------------------------


@transaction.atomic
def nominate(*, election, by, nominee, reason: str, idempotency_key=None) -> Nomination:
    """Each participant nominates exactly one person of the circle, with a reason.

    Self-nomination is allowed. The nomination stays hidden from everyone but
    its author until the facilitator shows them all.
    """
    election = _lock(election)
    mine = Nomination.objects.filter(election=election, round=1, nominator=by)
    if not first_time(key=idempotency_key, user=by) and mine.exists():
        return mine.get()
    _check("nominate", election, by)
    _member_of_circle(election, nominee, "nominee")
    reason = _clean(reason, "reason", required=_("Give the reason for your nomination."))
    if mine.exists():
        raise Conflict(_("You have already nominated someone in this round."))
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                election=election, round=1, nominator=by, nominee=nominee, reason=reason
            )
    except IntegrityError:
        raise Conflict(_("You have already nominated someone in this round.")) from None
    events.changed(election)
    return nomination


@transaction.atomic
def show_nominations(*, election, by, idempotency_key=None) -> Election:
    """Show every nomination at once (once: a second time is refused)."""
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("show_nominations", election, by)
    if not Nomination.objects.filter(election=election, round=1).exists():
        raise Conflict(_("Nobody has nominated anyone yet."))
    election.nominations_shown = timezone.now()
    election.save(update_fields=["nominations_shown"])
    _move(election, "show_nominations", by)
    return election


@transaction.atomic
def start_change_round(*, election, by, idempotency_key=None) -> Election:
    return _plain_step(_lock(election), by, "start_change_round", idempotency_key)


@transaction.atomic
def change_nomination(
    *, election, by, nominee, reason: str = "", idempotency_key=None
) -> Nomination:
    """Keep (same nominee) or change one's nomination; a change needs a reason."""
    election = _lock(election)
    mine = Nomination.objects.filter(election=election, round=2, nominator=by)
    if not first_time(key=idempotency_key, user=by) and mine.exists():
        return mine.get()
    _check("change_nomination", election, by)
    _member_of_circle(election, nominee, "nominee")
    first = Nomination.objects.filter(election=election, round=1, nominator=by).first()
    changed = first is None or first.nominee_id != nominee.pk
    reason = _clean(
        reason,
        "reason",
        required=_("Give the reason for your change.") if changed else None,
    )
    if mine.exists():
        raise Conflict(_("You have already kept or changed your nomination in this round."))
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                election=election, round=2, nominator=by, nominee=nominee, reason=reason
            )
    except IntegrityError:
        raise Conflict(
            _("You have already kept or changed your nomination in this round.")
        ) from None
    events.changed(election)
    return nomination


@transaction.atomic
def start_proposing(*, election, by, idempotency_key=None) -> Election:
    return _plain_step(_lock(election), by, "start_proposing", idempotency_key)


# Proposal and consent -------------------------------------------------------------


@transaction.atomic
def propose(
    *,
    election,
    by,
    nominee,
    term_end: date,
    reason: str,
    mode: str = Round.Mode.IN_TURN,
    idempotency_key=None,
) -> Election:
    """The facilitator proposes a nominee and a term, with reasons, and opens
    the consent round in which the nominee speaks last.

    In the consent step this amends the proposal (say, a shorter term after an
    objection, or another nominee): the running round closes, its objections
    stay in the record, and a new round opens. The tool never picks by count.
    """
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("propose", election, by)
    _member_of_circle(election, nominee, "nominee")
    _check_term(election.term_start, term_end)
    reason = _clean(reason, "reason", required=_("Give the reasons for your proposal."))
    if election.role.kind in (Role.Kind.DELEGATE, Role.Kind.LEADER):
        other = Role.Kind.LEADER if election.role.kind == Role.Kind.DELEGATE else Role.Kind.DELEGATE
        holder = circle_selectors.current_holder(election.circle, other)
        if holder is not None and holder.pk == nominee.pk:
            raise Invalid(
                _(
                    "Double-link rule: the leader and the delegate of a circle are two "
                    "different people, and %(name)s already holds the other link role."
                )
                % {"name": nominee.name},
                field="nominee",
            )
    participant_ids = selectors.participant_ids(election)
    if nominee.pk not in participant_ids:
        raise Invalid(_("The nominee must take part in the consent round."), field="nominee")
    amending = election.state == S.CONSENT
    previous = rounds.open_round_of(election)
    if previous is not None:
        rounds.close_round(round_=previous)
    new_round = rounds.open_round(
        subject=election,
        kind=Round.Kind.CONSENT,
        participant_ids=participant_ids,
        by=by,
        mode=mode,
        last=nominee.pk,
    )
    election.proposed_nominee = nominee
    election.proposed_term_end = term_end
    election.proposal_reason = reason
    election.proposal_number += 1
    election.save(
        update_fields=[
            "proposed_nominee",
            "proposed_term_end",
            "proposal_reason",
            "proposal_number",
        ]
    )
    _move(
        election,
        "propose",
        by,
        reason=reason,
        data={
            "number": election.proposal_number,
            "amends": election.proposal_number - 1 if amending else None,
            "round": new_round.pk,
            "nominee": _person(nominee),
            "term_end": term_end.isoformat(),
        },
    )
    return election


def _consent_round(election) -> Round:
    round_ = rounds.open_round_of(election)
    if round_ is None:
        raise Conflict(_("No consent round is open."))
    return round_


@transaction.atomic
def answer(
    *, election, by, position: str, reason: str = "", concern: str = "", idempotency_key=None
) -> Response:
    """Consent or object (an objection needs a reason), in turn in an in-turn round."""
    election = _lock(election)
    return _respond(
        election,
        by,
        step="answer",
        round_for=_consent_round,
        answered_in=Q(round__in=rounds.rounds_of(election)),
        position=position,
        reason=reason,
        concern=concern,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def skip_speaker(*, election, by, idempotency_key=None) -> Election:
    return _skip(_lock(election), by, "skip_speaker", _consent_round, idempotency_key)


def _proposal_events(election) -> list[ElectionEvent]:
    return list(election.events.filter(action="propose").order_by("at", "pk"))


def _selection_record(election, final_round: Round, by) -> dict:
    """The record of a selection exactly as docs/RECORDS.md ``selection``."""
    people = {u.pk: u for u in selectors.people_of(election, final_round)}

    def person(uid):
        return _person(people[uid]) if uid in people else None

    proposals = _proposal_events(election)
    by_round = {e.data.get("round"): e for e in proposals}
    number_of = {e.data.get("round"): e.data.get("number") for e in proposals}
    reason_of = {e.data.get("number"): e.reason for e in proposals}
    objections = []
    for round_ in selectors.consent_rounds(election):
        responses = list(Response.objects.filter(round=round_).order_by("created", "pk"))
        for response in responses:
            if response.kind != Response.Kind.OBJECT:
                continue
            number = number_of.get(round_.pk)
            if response.replaced is not None:
                state, resolution, revision = "withdrawn", "", number
            else:
                state = "integrated"
                revision = (number or 0) + 1
                resolution = reason_of.get(revision, "")
            objections.append(
                {
                    "member": person(response.member_id),
                    "reason": response.text,
                    "state": state,
                    "resolution": resolution,
                    "revision": revision,
                }
            )
    positions = [
        {
            "member": person(r.member_id),
            "position": r.kind,
            "text": r.text,
            "concern": r.concern,
        }
        for r in rounds.current_responses(final_round)
        if r.is_position
    ]
    last = by_round.get(final_round.pk)
    return {
        "action": "selection_made",
        "by": _person(by),
        "meeting": None,
        "election": {"id": election.pk},
        "role": _role_snapshot(election.role),
        "person": _person(election.proposed_nominee),
        "term_start": election.term_start,
        "term_end": election.proposed_term_end,
        "participants": [person(uid) for uid in final_round.speakers],
        "grid": selectors.grid_record(election),
        "proposal": {
            "nominee": _person(election.proposed_nominee),
            "term_end": election.proposed_term_end,
            "reason": election.proposal_reason,
            "by": _person(last.by) if last else _person(by),
        },
        "positions": positions,
        "objections": objections,
    }


@transaction.atomic
def elect(*, election, by, idempotency_key=None) -> Election:
    """Every participant consented, the nominee last: record the selection
    (a decision of kind ``selection``) and seat the person under it."""
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("elect", election, by)
    round_ = rounds.lock_round(_consent_round(election))
    current = [r for r in rounds.current_responses(round_) if r.is_position]
    if any(r.kind == Response.Kind.OBJECT for r in current):
        raise Conflict(_("An objection is open: amend the proposal or propose another nominee."))
    if {r.member_id for r in current} != set(round_.speakers):
        raise Conflict(_("Not everyone has given their position yet."))
    nominee = election.proposed_nominee
    _member_of_circle(election, nominee, "nominee")
    round_ = rounds.close_round(round_=round_)
    circle = election.circle
    decision = record_decision(
        organization=circle.organization,
        kind=Decision.Kind.SELECTION,
        circle=circle,
        title=_("%(name)s selected as %(role)s of %(circle)s")
        % {"name": nominee.name, "role": election.role.name, "circle": circle.name},
        body=election.proposal_reason,
        term_end=election.proposed_term_end,
        record=_selection_record(election, round_, by),
    )
    assignment = circle_services.place_in_role(
        role=election.role,
        user=nominee,
        term_start=election.term_start,
        term_end=election.proposed_term_end,
        decision=decision,
        by=by,
    )
    election.decision = decision
    election.assignment = assignment
    election.save(update_fields=["decision", "assignment"])
    _move(election, "elect", by, data={"decision": decision.sequence})
    return election


@transaction.atomic
def record_parent_response(
    *, election, by, accepted: bool, reason: str = "", idempotency_key=None
) -> Election:
    """The parent circle accepts the delegate selected, or objects (with a reason)."""
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("parent_response", election, by)
    if election.role.kind != Role.Kind.DELEGATE or election.assignment_id is None:
        raise Invalid(_("Only a delegate is accepted by the parent circle."))
    assignment = circle_services.accept_delegate(
        assignment=election.assignment, by=by, accepted=accepted, reason=reason
    )
    _move(
        election,
        "parent_response",
        by,
        reason=(reason or "").strip(),
        data={"accepted": bool(accepted), "assignment": assignment.pk},
    )
    return election


@transaction.atomic
def cancel(*, election, by, reason: str, idempotency_key=None) -> Election:
    """Cancel an open selection; the cancellation is recorded in the log."""
    election = _lock(election)
    if not first_time(key=idempotency_key, user=by):
        return election
    _check("cancel", election, by)
    reason = _clean(reason, "reason", required=_("Give the reason for cancelling."))
    open_round = rounds.open_round_of(election)
    if open_round is not None:
        rounds.close_round(round_=open_round)
    circle = election.circle
    decision = record_decision(
        organization=circle.organization,
        kind=Decision.Kind.OTHER,
        circle=circle,
        title=_("Selection for %(role)s of %(circle)s cancelled")
        % {"role": election.role.name, "circle": circle.name},
        body=reason,
        record={
            "action": "selection_cancelled",
            "by": _person(by),
            "meeting": None,
            "election": {"id": election.pk},
            "role": _role_snapshot(election.role),
            "state": election.state,
            "reason": reason,
        },
    )
    election.cancel_reason = reason
    election.decision = decision
    election.role_change, election.role_change_by = None, None
    election.save(update_fields=["cancel_reason", "decision", "role_change", "role_change_by"])
    _move(election, "cancel", by, reason=reason, data={"decision": decision.sequence})
    return election


# Term ends -------------------------------------------------------------------------


def send_term_reminders(*, within_days: int = 60) -> int:
    """One reminder per assignment whose term ends within ``within_days``, to
    the holder and the circle's facilitator. A ``TermReminder`` row, claimed
    in the same transaction as the send, makes it once per assignment."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse

    from circles.models import Organization
    from elections.models import TermReminder

    sent = 0
    for organization in Organization.objects.all():
        for assignment in circle_selectors.terms_ending(organization, within_days=within_days):
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        reminder = TermReminder.objects.create(assignment=assignment)
                except IntegrityError:
                    continue  # already reminded
                circle = assignment.role.circle
                recipients = [assignment.user.email]
                facilitator = circle_selectors.current_holder(circle, Role.Kind.FACILITATOR)
                if facilitator is not None and facilitator.email not in recipients:
                    recipients.append(facilitator.email)
                reminder.recipients = recipients
                reminder.save(update_fields=["recipients"])
                link = reverse("elections:new", kwargs={"org": organization.slug})
                send_mail(
                    _("The term of %(role)s in %(circle)s ends on %(date)s")
                    % {
                        "role": assignment.role.name,
                        "circle": circle.name,
                        "date": assignment.term_end.isoformat(),
                    },
                    _(
                        "The term of %(name)s as %(role)s of %(circle)s ends on %(date)s.\n"
                        "Start a selection: %(link)s?role=%(role_id)s"
                    )
                    % {
                        "name": assignment.user.name,
                        "role": assignment.role.name,
                        "circle": circle.name,
                        "date": assignment.term_end.isoformat(),
                        "link": link,
                        "role_id": assignment.role_id,
                    },
                    settings.DEFAULT_FROM_EMAIL,
                    recipients,
                )
                sent += 1
    return sent
