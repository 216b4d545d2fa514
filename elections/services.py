"""Every step of a selection without candidates.

The steps are declared once, in ``elections.steps.STEPS`` (states, who may,
input, label); each service asks it (``STEPS.check``) before writing. Each
service runs in one transaction, locks the election row first (so two
facilitators clicking at once, or a double click, take the step once),
claims the idempotency key (``key``), checks permission and state, and
raises a domain error before writing anything. The decision records are
written by ``elections.records``.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.records import person
from circles import rules
from circles import selectors as circle_selectors
from circles import services as circle_services
from circles.models import Role
from circles.records import role_snapshot
from core import events, notify, participation
from core.errors import Conflict, Invalid, NotAllowed
from core.idempotency import first_time
from decisions.models import Decision
from decisions.services import record_decision
from elections import records, selectors
from elections.models import Election, ElectionEvent, Nomination
from elections.steps import STEPS
from proposals import rounds
from proposals.models import Response, Round

S = Election.State
MAX_REASON = 5_000


# Helpers ---------------------------------------------------------------------


def _lock(election) -> Election:
    return (
        Election.objects.select_for_update(of=("self",))
        .select_related(
            "circle", "circle__organization", "circle__parent", "role", "role_change_round"
        )
        .get(pk=election.pk)
    )


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


def _member_of_circle(election: Election, user, field: str):
    """``user`` (a user, or a user id as a form or an API body gives it), who
    must be a member of the election's circle."""
    if isinstance(user, int):
        user = circle_selectors.org_person_or_none(election.circle.organization, user)
    if user is None:
        raise Invalid(_("Choose a person of the circle."), field=field)
    # Who takes part now is a current member of the circle
    # (``circles.selectors.participants_of``): only anyone else is looked up.
    if user.pk not in selectors.participant_ids(election) and not (
        circle_selectors.is_circle_member(user, election.circle)
    ):
        raise Invalid(
            _("%(name)s is not a member of the circle %(circle)s.")
            % {"name": user.name, "circle": election.circle.name},
            field=field,
        )
    return user


def _circle_member_id(election: Election, user, field: str) -> int:
    """The id of ``user`` (a user, or a user id), who must be a member of the
    election's circle: someone who takes part now is one
    (``circles.selectors.participants_of``) and is not read; anyone else is
    looked up (``_member_of_circle``). Within the check's ``reading()`` block."""
    if isinstance(user, int) and user in selectors.participant_ids(election):
        return user
    return _member_of_circle(election, user, field).pk


def _acting_for(election: Election, step: str, by, member):
    """Check ``step`` for ``by`` and say whose act it is: ``(by, None)`` for a
    person's own step; for a recorder's ``…_for`` step, ``(member, by)``: the
    member present (a user or a user id) must be able to take the step's own
    counterpart (``extra["for"]``) themself now, the table's one rule."""
    STEPS.check(step, election, by)
    own = STEPS[step].extra.get("for")
    if own is None:
        return by, None
    refused = Invalid(_("Choose someone present who takes part in this selection."), field="member")
    user = _person_or_none(election, member)
    if user is None:
        raise refused
    verdict = STEPS.may(own, election, user)
    if not verdict:
        if isinstance(verdict.error, NotAllowed):
            raise refused
        verdict.check()
    return user, by


def _person_or_none(election: Election, member):
    """A person of the organization from a user or a user id, else None."""
    try:
        member_id = int(getattr(member, "pk", member))
    except (TypeError, ValueError):
        return None
    return circle_selectors.org_person_or_none(election.circle.organization, member_id)


def _member_id(by, member) -> int | None:
    """Whose act a replayed key looks up: the member's for a recorder, else ``by``'s."""
    if member is None:
        return by.pk
    try:
        return int(getattr(member, "pk", member))
    except (TypeError, ValueError):
        return None


# Setup -------------------------------------------------------------------------


@transaction.atomic
def open_election(
    *,
    role,
    by,
    term_start: date | None = None,
    term_end: date | None = None,
    key=None,
) -> Election:
    """The facilitator opens a selection for a role of the circle.

    The term defaults to the role's default term from today.
    """
    role = Role.objects.select_related("circle", "circle__organization").get(pk=role.pk)
    # Lock the role: two facilitators opening a selection for it at once
    # would otherwise both pass the "no open selection" check.
    Role.objects.select_for_update().filter(pk=role.pk).first()
    circle = role.circle
    if not first_time(key=key, user=by):
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
def set_term(*, election, by, term_start: date | None, term_end: date | None, key=None) -> Election:
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("set_term", election, by)
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
    accountabilities=None,
    qualifications=None,
    default_term_months: int | None = None,
    term_start: date | None = None,
    term_end: date | None = None,
    mode: str = Round.Mode.REVEAL,
    key=None,
) -> Election:
    """Put a change of the role (and/or the term) to the circle's consent.

    Changing the role is a small consent step of its own: the change waits on
    the election, a consent round opens on it, and only once everyone
    consented does the facilitator's closing apply it (a ``structure``
    decision carrying the positions). After an objection the facilitator may
    propose an amended change (this step again) or drop it.
    """
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("review_role", election, by)
    reason = _clean(reason, "reason", required=_("Give the reason for the change."))
    role = election.role
    # The role's limits (circles.rules), checked now: a change the circle
    # consents to can always be applied when the round closes.
    proposed = rules.validate_role_definition(
        accountabilities=accountabilities,
        qualifications=qualifications,
        default_term_months=default_term_months,
    )
    change = {
        field: {"before": before, "after": proposed[field]}
        for field, before in (
            ("accountabilities", list(role.accountabilities)),
            ("qualifications", list(role.qualifications)),
            ("default_term_months", role.default_term_months),
        )
        if field in proposed and proposed[field] != before
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
    *, election, by, kind: str, text: str = "", concern: str = "", key=None
) -> Response:
    """Consent or object (with a reason) to the change of the role on the table."""
    return _answer_role_change(election, by, "answer_role_change", kind, text, concern, key)


@transaction.atomic
def answer_role_change_for(
    *, election, by, member, kind: str, text: str = "", concern: str = "", key=None
) -> Response:
    """The facilitator or the meeting's secretary records the position on the
    change of a member present without a device (theirs, marked recorded by)."""
    return _answer_role_change(
        election, by, "answer_role_change_for", kind, text, concern, key, member=member
    )


def _answer_role_change(election, by, step, kind, text, concern, key, member=None):
    election = _lock(election)
    return _respond(
        election,
        by,
        step=step,
        round_for=_role_round,
        answered_in=Q(round_id=election.role_change_round_id),
        kind=kind,
        text=text,
        concern=concern,
        key=key,
        member=member,
    )


def _respond(
    election, by, *, step, round_for, answered_in, kind, text, concern, key, member=None
) -> Response:
    """A position (``kind``: consent or object, with ``text`` its reason) in one
    of the election's consent rounds (the nominee's, or a role change's), the
    same answer as a proposal's round: a repeated key gives back the position
    already taken. ``member`` is whom a recorder answers for (a ``…_for`` step)."""
    if not first_time(key=key, user=by):
        current = (
            Response.objects.filter(
                answered_in, member_id=_member_id(by, member), replaced__isnull=True
            )
            .order_by("-created")
            .first()
        )
        if current is not None:
            return current
    member, recorded_by = _acting_for(election, step, by, member)
    if kind not in (Response.Kind.CONSENT, Response.Kind.OBJECT):
        raise Invalid(_("Choose consent or objection."), field="kind")
    response = rounds.respond(
        round_=round_for(election),
        member=member,
        kind=kind,
        text=text,
        concern=concern,
        recorded_by=recorded_by,
    )
    events.changed(election)
    return response


@transaction.atomic
def skip_role_speaker(*, election, by, key=None) -> Election:
    return _skip(_lock(election), by, "skip_role_speaker", _role_round, key)


def _skip(election, by, step, round_for, key) -> Election:
    """The facilitator moves an in-turn round on to the next speaker."""
    if not first_time(key=key, user=by):
        return election
    STEPS.check(step, election, by)
    round_ = rounds.advance(round_=round_for(election))
    _move(election, step, by, data={"round": round_.pk})
    return election


def _plain_step(election, by, step, key) -> Election:
    """A step that only moves the selection on (the table says where)."""
    if not first_time(key=key, user=by):
        return election
    STEPS.check(step, election, by)
    _move(election, step, by)
    return election


@transaction.atomic
def close_role_change(*, election, by, key=None) -> Election:
    """Close the round on the change of the role.

    Everyone consented: the change is applied (the role through
    ``circles.services.update_role``, a decision carrying the positions; the
    election's term here) and cleared. An objection: nothing changes, the
    objections are recorded, and the change stays on the table to amend or drop.
    """
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("close_role_change", election, by)
    round_ = rounds.lock_round(_role_round(election))
    current = [r for r in rounds.current_responses(round_) if r.is_position]
    objections = [r for r in current if r.kind == Response.Kind.OBJECT]
    if not objections and {r.member_id for r in current} != set(round_.speakers):
        raise Conflict(_("Not everyone has given their position yet."))
    round_ = rounds.close_round(round_=round_)
    people = {u.pk: u for u in selectors.participants_for(election)}
    positions = records.positions(round_, people)
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
    consent = records.role_change_consent(election, round_, people, reason)
    role_fields = {
        field: change[field]["after"]
        for field in ("accountabilities", "qualifications", "default_term_months")
        if field in change
    }
    decision_sequence = None
    if role_fields:
        before_months = election.role.default_term_months
        role = circle_services.update_role(
            role=election.role,
            by=by,
            record_extra=records.role_change_extra(election, consent),
            # STEPS.check("close_role_change") above: ``by`` leads the selection.
            consented=True,
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
            "role": role_snapshot(election.role),
        },
    )
    return election


@transaction.atomic
def drop_role_change(*, election, by, reason: str = "", key=None) -> Election:
    """Take the change of the role off the table (closing its round if open)."""
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("drop_role_change", election, by)
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
def start_nominating(*, election, by, key=None) -> Election:
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("start_nominating", election, by)
    if len(selectors.participant_ids(election)) < 1:
        raise Conflict(_("The circle has no members to nominate anyone."))
    _move(election, "start_nominating", by)
    return election


# Nominations ---------------------------------------------------------------------


@transaction.atomic
def nominate(*, election, by, nominee, reason: str, key=None) -> Nomination:
    """Each participant nominates exactly one person of the circle, with a reason.

    Self-nomination is allowed. The nomination stays hidden from everyone but
    its author until the facilitator shows them all.
    """
    return _nominate(election, by, "nominate", nominee, reason, key)


@transaction.atomic
def nominate_for(*, election, by, member, nominee, reason: str, key=None) -> Nomination:
    """The facilitator or the meeting's secretary records the nomination of a
    member present without a device: it is the member's (hidden from everyone
    else, the recorder included, until shown), marked recorded by ``by``."""
    return _nominate(election, by, "nominate_for", nominee, reason, key, member=member)


def _nominate(election, by, step, nominee, reason, key, member=None) -> Nomination:
    election = _lock(election)
    mine = Nomination.objects.filter(
        election=election, round=1, nominator_id=_member_id(by, member)
    )
    if not first_time(key=key, user=by) and mine.exists():
        return mine.get()
    # The meeting's session is read once for the checks, after the lock and
    # before the write.
    with participation.reading():
        nominator, recorded_by = _acting_for(election, step, by, member)
        nominee_id = _circle_member_id(election, nominee, "nominee")
    reason = _clean(reason, "reason", required=_("Give the reason for your nomination."))
    already = _already(
        recorded_by,
        nominator,
        _("You have already nominated someone in this round."),
        _("%(name)s has already nominated someone in this round."),
    )
    # One nomination a member a round: the constraint says so, and its refusal
    # rolls the whole transaction back (no savepoint: nothing is written after).
    try:
        nomination = Nomination.objects.create(
            election=election,
            round=1,
            nominator=nominator,
            nominee_id=nominee_id,
            reason=reason,
            recorded_by=recorded_by,
        )
    except IntegrityError:
        raise already from None
    events.changed(election)
    return nomination


def _already(recorded_by, member, own: str, theirs: str) -> Conflict:
    """ "Already done" in the words of whoever asks: the member, or their recorder."""
    if recorded_by is None:
        return Conflict(own)
    return Conflict(theirs % {"name": member.name})


@transaction.atomic
def show_nominations(*, election, by, key=None) -> Election:
    """Show every nomination at once (once: a second time is refused)."""
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("show_nominations", election, by)
    if not Nomination.objects.filter(election=election, round=1).exists():
        raise Conflict(_("Nobody has nominated anyone yet."))
    election.nominations_shown = timezone.now()
    election.save(update_fields=["nominations_shown"])
    _move(election, "show_nominations", by)
    # Told when the nominations are shown, not before: until then they are
    # hidden from everyone but their authors.
    notify.announce(
        "nominated",
        subject=election,
        key=f"nominated:{election.pk}",
        role=election.role.name,
        circle=election.circle.name,
    )
    return election


@transaction.atomic
def start_change_round(*, election, by, key=None) -> Election:
    return _plain_step(_lock(election), by, "start_change_round", key)


@transaction.atomic
def change_nomination(*, election, by, nominee, reason: str = "", key=None) -> Nomination:
    """Keep (same nominee) or change one's nomination; a change needs a reason."""
    return _change_nomination(election, by, "change_nomination", nominee, reason, key)


@transaction.atomic
def change_nomination_for(
    *, election, by, member, nominee, reason: str = "", key=None
) -> Nomination:
    """The facilitator or the meeting's secretary records the change-round
    choice of a member present without a device (theirs, marked recorded by)."""
    return _change_nomination(
        election, by, "change_nomination_for", nominee, reason, key, member=member
    )


def _change_nomination(election, by, step, nominee, reason, key, member=None) -> Nomination:
    election = _lock(election)
    mine = Nomination.objects.filter(
        election=election, round=2, nominator_id=_member_id(by, member)
    )
    if not first_time(key=key, user=by) and mine.exists():
        return mine.get()
    nominator, recorded_by = _acting_for(election, step, by, member)
    mine = Nomination.objects.filter(election=election, round=2, nominator=nominator)
    nominee = _member_of_circle(election, nominee, "nominee")
    first = Nomination.objects.filter(election=election, round=1, nominator=nominator).first()
    changed = first is None or first.nominee_id != nominee.pk
    reason = _clean(
        reason,
        "reason",
        required=_("Give the reason for your change.") if changed else None,
    )
    already = _already(
        recorded_by,
        nominator,
        _("You have already kept or changed your nomination in this round."),
        _("%(name)s has already kept or changed their nomination in this round."),
    )
    if mine.exists():
        raise already
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                election=election,
                round=2,
                nominator=nominator,
                nominee=nominee,
                reason=reason,
                recorded_by=recorded_by,
            )
    except IntegrityError:
        raise already from None
    events.changed(election)
    return nomination


@transaction.atomic
def start_proposing(*, election, by, key=None) -> Election:
    return _plain_step(_lock(election), by, "start_proposing", key)


# Proposal and consent -------------------------------------------------------------


@transaction.atomic
def propose(
    *,
    election,
    by,
    nominee,
    term_end: date | None,
    reason: str,
    key=None,
) -> Election:
    """The facilitator proposes a nominee and a term, with reasons, and opens
    the consent round in which the nominee speaks last.

    That round is always in turn, starting after the nominee: a reveal round
    would let the nominee answer before the others. This is the one place
    that decides it (no input of the step names a mode).

    In the consent step this amends the proposal (say, a shorter term after an
    objection, or another nominee): the running round closes, its objections
    stay in the record, and a new round opens. The tool never picks by count.
    """
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("propose", election, by)
    nominee = _member_of_circle(election, nominee, "nominee")
    _check_term(election.term_start, term_end)
    reason = _clean(reason, "reason", required=_("Give the reasons for your proposal."))
    # Leader and delegate are two different people: the circles' rule.
    rules.check_double_link(election.circle, election.role.kind, nominee, field="nominee")
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
        mode=Round.Mode.IN_TURN,
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
            "nominee": person(nominee),
            "term_end": term_end.isoformat(),
        },
    )
    notify.announce(
        "proposed",
        subject=election,
        key=f"proposed:{new_round.pk}",
        role=election.role.name,
        circle=election.circle.name,
        nominee=nominee.pk,
        by=by.pk,
    )
    return election


def _consent_round(election) -> Round:
    round_ = rounds.open_round_of(election)
    if round_ is None:
        raise Conflict(_("No consent round is open."))
    return round_


@transaction.atomic
def answer(*, election, by, kind: str, text: str = "", concern: str = "", key=None) -> Response:
    """Consent or object (an objection needs a reason), in turn in an in-turn round."""
    return _answer(election, by, "answer", kind, text, concern, key)


@transaction.atomic
def answer_for(
    *, election, by, member, kind: str, text: str = "", concern: str = "", key=None
) -> Response:
    """The facilitator or the meeting's secretary records the position of a
    member present without a device, in their turn (theirs, marked recorded by)."""
    return _answer(election, by, "answer_for", kind, text, concern, key, member=member)


def _answer(election, by, step, kind, text, concern, key, member=None) -> Response:
    election = _lock(election)
    return _respond(
        election,
        by,
        step=step,
        round_for=_consent_round,
        answered_in=Q(round__in=rounds.rounds_of(election)),
        kind=kind,
        text=text,
        concern=concern,
        key=key,
        member=member,
    )


@transaction.atomic
def skip_speaker(*, election, by, key=None) -> Election:
    return _skip(_lock(election), by, "skip_speaker", _consent_round, key)


@transaction.atomic
def elect(*, election, by, key=None) -> Election:
    """Every participant consented, the nominee last: record the selection
    (a decision of kind ``selection``) and seat the person under it."""
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("elect", election, by)
    round_ = rounds.lock_round(_consent_round(election))
    current = [r for r in rounds.current_responses(round_) if r.is_position]
    if any(r.kind == Response.Kind.OBJECT for r in current):
        raise Conflict(_("An objection is open: amend the proposal or propose another nominee."))
    if {r.member_id for r in current} != set(round_.speakers):
        raise Conflict(_("Not everyone has given their position yet."))
    nominee = election.proposed_nominee
    nominee = _member_of_circle(election, nominee, "nominee")
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
        record=records.selection_record(election, round_, by),
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
    notify.announce(
        "selected",
        subject=election,
        key=f"selected:{election.pk}",
        role=election.role.name,
        circle=circle.name,
        nominee=nominee.pk,
        by=by.pk,
    )
    return election


@transaction.atomic
def record_parent_response(
    *, election, by, accepted: bool | None, reason: str = "", key=None
) -> Election:
    """The parent circle accepts the delegate selected, or objects (with a reason)."""
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("parent_response", election, by)
    if accepted is None:
        raise Invalid(
            _("Say whether the parent circle accepts the delegate or objects."),
            field="accepted",
        )
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
def cancel(*, election, by, reason: str, key=None) -> Election:
    """Cancel an open selection; the cancellation is recorded in the log."""
    election = _lock(election)
    if not first_time(key=key, user=by):
        return election
    STEPS.check("cancel", election, by)
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
        record=records.cancel_record(election, by, reason),
    )
    election.cancel_reason = reason
    election.decision = decision
    election.role_change, election.role_change_by = None, None
    election.save(update_fields=["cancel_reason", "decision", "role_change", "role_change_by"])
    _move(election, "cancel", by, reason=reason, data={"decision": decision.sequence})
    return election
