"""The consent process engine: every change to a proposal is one function here.

Each service runs in one transaction, locks the proposal row first (so two
facilitators clicking at once are serialised and the second sees the state
the first left), claims the idempotency key (a retried submission then does
nothing), checks permission, then the state against ``process.TRANSITIONS``,
and only then writes. Every step is recorded as a ``ProposalEvent``; an
adoption is recorded in the log through ``decisions.services.record_decision``
in the same transaction. Listeners hear of a change only after commit.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from core import events
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from core.idempotency import first_time, parse_key
from core.participation import participants_override
from decisions.models import Decision
from decisions.services import record_decision
from proposals import rounds
from proposals.models import Objection, Proposal, ProposalEvent, Response, Revision, Round
from proposals.process import ROUND_KIND_OF_STATE, TRANSITIONS, Action

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_NOTE = 500
MAX_REASON = 5_000

S = Proposal.State
A = Action


# Helpers ---------------------------------------------------------------------


def _person(user) -> dict:
    return {"id": user.pk, "name": user.name}


def _lock(proposal) -> Proposal:
    try:
        return (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("circle", "circle__organization")
            .get(pk=proposal.pk)
        )
    except Proposal.DoesNotExist:
        raise NotFound(_("This proposal does not exist.")) from None


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _require_facilitator(by, proposal) -> None:
    _require(
        circle_selectors.can_facilitate(by, proposal.circle),
        _("Only the circle's facilitator moves the process."),
    )


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def _require_reader(by, proposal) -> None:
    # Someone who may not even read the proposal learns nothing more than a 404.
    if not _authenticated(by) or not circle_selectors.can_read_organization(
        by, proposal.circle.organization
    ):
        raise NotFound(_("This proposal does not exist."))


def _step(proposal, action: str) -> str:
    """The state ``action`` leads to, or a Conflict if the table refuses it."""
    target = TRANSITIONS.get(proposal.state, {}).get(action)
    if target is None:
        raise Conflict(
            _("“%(action)s” is not a step the process allows while the proposal is “%(state)s”.")
            % {"action": Action(action).label, "state": proposal.get_state_display()}
        )
    return target


def _clean(text, *, limit: int, field: str, required: str | None = None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid(required, field=field)
    if len(text) > limit:
        raise Invalid(
            _("This text has at most %(n)d characters (it has %(len)d).")
            % {"n": limit, "len": len(text)},
            field=field,
        )
    return text


def _reason(reason) -> str:
    return _clean(
        reason, limit=MAX_REASON, field="reason", required=_("Give a reason for this step.")
    )


def _record(proposal, *, action: str, from_state: str, by, reason: str = "") -> ProposalEvent:
    return ProposalEvent.objects.create(
        proposal=proposal,
        action=action,
        from_state=from_state,
        to_state=proposal.state,
        by=by if _authenticated(by) else None,
        reason=reason,
    )


def _move(proposal, *, action: str, to_state: str, by, reason: str = "") -> Proposal:
    from_state = proposal.state
    proposal.state = to_state
    proposal.save(update_fields=["state", "consent_deadline"])
    _record(proposal, action=action, from_state=from_state, by=by, reason=reason)
    events.changed(proposal)
    return proposal


def _replayed(proposal, key, by) -> bool:
    """True when this submission was already processed: do nothing again."""
    return not first_time(key=key, user=by)


def latest_revision(proposal) -> Revision:
    return proposal.revisions.order_by("-number").first()


def _revision(proposal, number) -> Revision:
    if number in (None, ""):
        return latest_revision(proposal)
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Invalid(_("A revision is named by its number."), field="revision") from None
    revision = proposal.revisions.filter(number=number).first()
    if revision is None:
        raise Invalid(_("This proposal has no revision %(n)d.") % {"n": number}, field="revision")
    return revision


def participants_for(proposal) -> list[int]:
    """Who takes part in the proposal's rounds, in order around the circle.

    Outside a meeting: the circle's current members. A meeting passes the
    members present instead (the ``participants`` argument of the services
    that open a round).
    """
    return list(circle_selectors.current_members(proposal.circle).values_list("pk", flat=True))


def _participants(proposal, participants: Sequence[int] | None) -> list[int]:
    if participants is None:
        # In a live meeting the members present take part (the meeting app
        # says who, through core.participation); elsewhere the whole circle.
        present = participants_override(proposal)
        return present if present is not None else participants_for(proposal)
    members = set(participants_for(proposal))
    ids = [int(p) for p in participants]
    if not set(ids) <= members:
        raise Invalid(_("Every participant must be a member of the circle."), field="participants")
    return ids


def _close_open_round(proposal) -> Round | None:
    open_ = rounds.open_round_of(proposal)
    if open_ is not None:
        return rounds.close_round(round_=open_)
    return None


def _open(proposal, *, kind, by, mode, participants, start_with, revision=None) -> Round:
    if mode not in Round.Mode.values:
        raise Invalid(_("Unknown round mode."), field="mode")
    try:
        start_with = int(start_with) if start_with not in (None, "") else None
    except (TypeError, ValueError):
        raise Invalid(
            _("Choose the first speaker among the participants."), field="start_with"
        ) from None
    return rounds.open_round(
        subject=proposal,
        kind=kind,
        participant_ids=_participants(proposal, participants),
        by=by,
        mode=mode,
        start_with=start_with,
        revision=revision or latest_revision(proposal),
    )


def _review_date(proposal, review_date) -> date:
    today = timezone.localdate()
    if isinstance(review_date, str) and review_date:
        try:
            review_date = date.fromisoformat(review_date)
        except ValueError:
            raise Invalid(_("Enter the review date as YYYY-MM-DD."), field="review_date") from None
    if not review_date and proposal.review_date and proposal.review_date > today:
        review_date = proposal.review_date
    if not review_date:
        months = proposal.circle.review_months or 12
        review_date = today + timedelta(days=round(months * 365.25 / 12))
    if review_date <= today:
        raise Invalid(_("The review date must be in the future."), field="review_date")
    return review_date


# Drafts ----------------------------------------------------------------------


@transaction.atomic
def create_proposal(
    *,
    circle,
    by,
    title: str,
    body: str,
    review_date: date | None = None,
    amends: Decision | None = None,
    key=None,
) -> Proposal:
    """A circle member drafts a proposal; revision 1 holds its text."""
    key = parse_key(key)
    if key is not None and _authenticated(by):
        existing = Proposal.objects.filter(creation_key=key, author=by).first()
        if existing is not None:
            return existing
    _require(
        _authenticated(by) and circle_selectors.can_take_part(by, circle),
        _("Only a member of the circle may propose in it."),
    )
    title = _clean(title, limit=MAX_TITLE, field="title", required=_("A proposal needs a title."))
    body = _clean(body, limit=MAX_BODY, field="body", required=_("Write the proposal's text."))
    if review_date is not None and review_date <= timezone.localdate():
        raise Invalid(_("The review date must be in the future."), field="review_date")
    if amends is not None and (
        amends.organization_id != circle.organization_id or amends.kind != Decision.Kind.POLICY
    ):
        raise Invalid(_("A proposal can only amend a policy of this organization."), field="amends")
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                circle=circle,
                author=by,
                title=title,
                review_date=review_date,
                amends=amends,
                creation_key=key,
            )
    except IntegrityError:
        # The same submission, committed by a concurrent request meanwhile.
        return Proposal.objects.get(creation_key=key)
    Revision.objects.create(proposal=proposal, number=1, body=body, author=by)
    _record(proposal, action="create", from_state=S.DRAFT, by=by)
    events.changed(proposal)
    return proposal


@transaction.atomic
def edit_draft(
    *, proposal, by, title: str, body: str, review_date: date | None = None, key=None
) -> Proposal:
    """The author rewrites the draft; before presentation no revision is kept."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return proposal
    _require(by.pk == proposal.author_id, _("Only the author edits a draft."))
    if proposal.state != S.DRAFT:
        raise Conflict(_("Only a draft can be edited; amend the proposal instead."))
    title = _clean(title, limit=MAX_TITLE, field="title", required=_("A proposal needs a title."))
    body = _clean(body, limit=MAX_BODY, field="body", required=_("Write the proposal's text."))
    if review_date is not None and review_date <= timezone.localdate():
        raise Invalid(_("The review date must be in the future."), field="review_date")
    proposal.title = title
    proposal.review_date = review_date
    proposal.save(update_fields=["title", "review_date"])
    revision = latest_revision(proposal)
    revision.body = body
    revision.save(update_fields=["body"])
    _record(proposal, action="edit_draft", from_state=S.DRAFT, by=by)
    events.changed(proposal)
    return proposal


# Facilitator's steps -----------------------------------------------------------


def _facilitator_step(proposal, by, key, action):
    """Lock, replay check, permission, table: the common head of a step."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return proposal, None
    _require_facilitator(by, proposal)
    return proposal, _step(proposal, action)


@transaction.atomic
def present(*, proposal, by, key=None) -> Proposal:
    proposal, target = _facilitator_step(proposal, by, key, A.PRESENT)
    if target is None:
        return proposal
    return _move(proposal, action=A.PRESENT, to_state=target, by=by)


@transaction.atomic
def open_clarifying(
    *,
    proposal,
    by,
    mode: str = Round.Mode.IN_TURN,
    start_with: int | None = None,
    participants: Sequence[int] | None = None,
    key=None,
) -> Proposal:
    """A round of clarifying questions (passing allowed); the author replies."""
    proposal, target = _facilitator_step(proposal, by, key, A.OPEN_CLARIFYING)
    if target is None:
        return proposal
    _open(
        proposal,
        kind=Round.Kind.CLARIFYING,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action=A.OPEN_CLARIFYING, to_state=target, by=by)


@transaction.atomic
def open_reactions(
    *,
    proposal,
    by,
    mode: str = Round.Mode.IN_TURN,
    start_with: int | None = None,
    participants: Sequence[int] | None = None,
    key=None,
) -> Proposal:
    """Close the clarifying round if open and open a quick-reactions round (no passing)."""
    proposal, target = _facilitator_step(proposal, by, key, A.OPEN_REACTIONS)
    if target is None:
        return proposal
    _close_open_round(proposal)
    _open(
        proposal,
        kind=Round.Kind.REACTION,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action=A.OPEN_REACTIONS, to_state=target, by=by)


@transaction.atomic
def open_round(
    *,
    proposal,
    by,
    mode: str = Round.Mode.IN_TURN,
    start_with: int | None = None,
    participants: Sequence[int] | None = None,
    key=None,
) -> Proposal:
    """Another round of the current step (clarifying, reactions, or integrating objections)."""
    proposal, target = _facilitator_step(proposal, by, key, A.OPEN_ROUND)
    if target is None:
        return proposal
    _open(
        proposal,
        kind=ROUND_KIND_OF_STATE[proposal.state],
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action=A.OPEN_ROUND, to_state=target, by=by)


@transaction.atomic
def next_speaker(*, proposal, by, key=None) -> Proposal:
    """Move an in-turn round on: the facilitator, or the current speaker."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return proposal
    round_ = rounds.open_round_of(proposal)
    speaker = round_.current_speaker_id if round_ is not None else None
    _require(
        circle_selectors.can_facilitate(by, proposal.circle) or speaker == by.pk,
        _("Only the facilitator or the current speaker moves the round on."),
    )
    target = _step(proposal, A.NEXT_SPEAKER)
    if round_ is None:
        raise Conflict(_("No round is open."))
    rounds.advance(round_=round_)
    return _move(proposal, action=A.NEXT_SPEAKER, to_state=target, by=by)


@transaction.atomic
def close_round(*, proposal, by, key=None) -> Proposal:
    proposal, target = _facilitator_step(proposal, by, key, A.CLOSE_ROUND)
    if target is None:
        return proposal
    if _close_open_round(proposal) is None:
        raise Conflict(_("No round is open."))
    return _move(proposal, action=A.CLOSE_ROUND, to_state=target, by=by)


@transaction.atomic
def amend(*, proposal, by, body: str, change_note: str, key=None) -> Revision:
    """A new numbered revision with a note of what changed (author or facilitator)."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return latest_revision(proposal)
    _require(
        circle_selectors.can_facilitate(by, proposal.circle)
        or (by.pk == proposal.author_id and circle_selectors.can_take_part(by, proposal.circle)),
        _("Only the author or the facilitator amends a proposal."),
    )
    target = _step(proposal, A.AMEND)
    if rounds.open_round_of(proposal) is not None:
        raise Conflict(_("Close the round before amending the text."))
    body = _clean(body, limit=MAX_BODY, field="body", required=_("Write the amended text."))
    change_note = _clean(
        change_note, limit=MAX_NOTE, field="change_note", required=_("Say what changed.")
    )
    current = latest_revision(proposal)
    if current is not None and current.body == body:
        raise Invalid(
            _("The text is the same as revision %(n)d.") % {"n": current.number}, field="body"
        )
    number = (proposal.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = Revision.objects.create(
        proposal=proposal, number=number, body=body, change_note=change_note, author=by
    )
    _move(proposal, action=A.AMEND, to_state=target, by=by, reason=change_note)
    return revision


def _open_consent(proposal, *, by, action, mode, revision, participants, start_with):
    target = _step(proposal, action)
    revision = _revision(proposal, revision)
    if revision.number != latest_revision(proposal).number:
        raise Invalid(
            _("Consent is asked on the latest revision (%(n)d).")
            % {"n": latest_revision(proposal).number},
            field="revision",
        )
    _close_open_round(proposal)
    _open(
        proposal,
        kind=Round.Kind.CONSENT,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
        revision=revision,
    )
    return target


@transaction.atomic
def open_consent_round(
    *,
    proposal,
    by,
    revision: int | None = None,
    mode: str = Round.Mode.IN_TURN,
    start_with: int | None = None,
    participants: Sequence[int] | None = None,
    key=None,
) -> Proposal:
    """The consent round on a named revision (the latest one)."""
    proposal, target = _facilitator_step(proposal, by, key, A.OPEN_CONSENT)
    if target is None:
        return proposal
    _open_consent(
        proposal,
        by=by,
        action=A.OPEN_CONSENT,
        mode=mode,
        revision=revision,
        participants=participants,
        start_with=start_with,
    )
    proposal.consent_deadline = None
    revision_number = rounds.open_round_of(proposal).revision.number
    return _move(
        proposal,
        action=A.OPEN_CONSENT,
        to_state=target,
        by=by,
        reason=_("Revision %(n)d") % {"n": revision_number},
    )


@transaction.atomic
def open_async_consent(
    *,
    proposal,
    by,
    deadline: datetime,
    revision: int | None = None,
    participants: Sequence[int] | None = None,
    key=None,
) -> Proposal:
    """Consent outside a meeting: a reveal round members answer from the page
    until ``deadline``; the last consent adopts it, an objection flags it."""
    proposal, target = _facilitator_step(proposal, by, key, A.OPEN_ASYNC_CONSENT)
    if target is None:
        return proposal
    if deadline is None:
        raise Invalid(_("Choose a deadline."), field="deadline")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= timezone.now():
        raise Invalid(_("The deadline must be in the future."), field="deadline")
    _open_consent(
        proposal,
        by=by,
        action=A.OPEN_ASYNC_CONSENT,
        mode=Round.Mode.REVEAL,
        revision=revision,
        participants=participants,
        start_with=None,
    )
    proposal.consent_deadline = deadline
    proposal.flagged_for_meeting = False
    proposal.save(update_fields=["flagged_for_meeting"])
    return _move(proposal, action=A.OPEN_ASYNC_CONSENT, to_state=target, by=by)


def _last_consent_round(proposal) -> Round | None:
    return (
        rounds.rounds_of(proposal)
        .filter(kind=Round.Kind.CONSENT)
        .order_by("-opened", "-pk")
        .first()
    )


def _everyone_consents(proposal, round_: Round) -> bool:
    """Every participant's current position is a consent, or an objection
    since withdrawn or dropped; and no objection of the proposal is open."""
    if proposal.objections.filter(state=Objection.State.OPEN).exists():
        return False
    positions = {
        r.member_id: r
        for r in Response.objects.filter(round=round_, is_position=True, replaced__isnull=True)
    }
    for member_id in round_.speakers:
        position = positions.get(member_id)
        if position is None:
            return False
        if position.kind == Response.Kind.OBJECT:
            objection = Objection.objects.filter(response=position).first()
            if objection is None or objection.state not in (
                Objection.State.WITHDRAWN,
                Objection.State.DROPPED,
            ):
                return False
    return True


@transaction.atomic
def acknowledge(*, proposal, by, review_date: date | None = None, key=None) -> Proposal:
    """Close the consent round and read its outcome: adopted if everyone
    consented and no objection is open, else the objections are listed."""
    proposal, target = _facilitator_step(proposal, by, key, A.ACKNOWLEDGE)
    if target is None:
        return proposal
    _close_open_round(proposal)
    round_ = _last_consent_round(proposal)
    if round_ is None:
        raise Conflict(_("There is no consent round to acknowledge."))
    if _everyone_consents(proposal, round_):
        return _adopt(proposal, by=by, round_=round_, review_date=review_date, action=A.ACKNOWLEDGE)
    proposal.flagged_for_meeting = proposal.consent_deadline is not None
    proposal.consent_deadline = None
    proposal.save(update_fields=["flagged_for_meeting"])
    return _move(proposal, action=A.ACKNOWLEDGE, to_state=target, by=by)


@transaction.atomic
def adopt(*, proposal, by, review_date: date | None = None, key=None) -> Proposal:
    """Adopt after the objections were resolved without changing the text
    (withdrawn or dropped); an integrated objection needs a new consent round."""
    proposal, target = _facilitator_step(proposal, by, key, A.ADOPT)
    if target is None:
        return proposal
    if proposal.objections.filter(state=Objection.State.OPEN).exists():
        raise Conflict(_("A proposal cannot be adopted while an objection is open."))
    round_ = _last_consent_round(proposal)
    if round_ is None or round_.revision_id != latest_revision(proposal).pk:
        raise Conflict(
            _("The text changed since the last consent round: open a new consent round.")
        )
    if not _everyone_consents(proposal, round_):
        raise Conflict(_("Not every participant of the last consent round consented."))
    return _adopt(proposal, by=by, round_=round_, review_date=review_date, action=A.ADOPT)


def policy_record(proposal, *, by, round_: Round, review_date: date) -> dict:
    """The process record of a ``policy`` decision, as docs/RECORDS.md says."""
    positions = list(
        Response.objects.filter(round=round_, is_position=True, replaced__isnull=True)
        .select_related("member")
        .order_by("created", "pk")
    )
    order = {member_id: i for i, member_id in enumerate(round_.speakers)}
    positions.sort(key=lambda r: order.get(r.member_id, len(order)))
    speakers = {u.pk: u for u in _users(round_.speakers)}
    all_rounds = []
    for r in rounds.rounds_of(proposal).select_related("revision").order_by("opened", "pk"):
        all_rounds.append(
            {
                "kind": r.kind,
                "mode": r.mode,
                "revision": r.revision.number if r.revision else None,
                "responses": [
                    {"member": _person(x.member), "kind": x.kind, "text": x.text}
                    for x in rounds.current_responses(r)
                ],
            }
        )
    return {
        "action": "policy_adopted",
        "by": _person(by),
        "meeting": None,
        "proposal": {
            "id": proposal.pk,
            "title": proposal.title,
            "author": _person(proposal.author),
        },
        "revision": {"id": round_.revision.pk, "number": round_.revision.number},
        "participants": [_person(speakers[i]) for i in round_.speakers if i in speakers],
        "positions": [
            {
                "member": _person(p.member),
                "position": p.kind,
                "text": p.text,
                "concern": p.concern,
            }
            for p in positions
        ],
        "objections": [
            {
                "member": _person(o.member),
                "reason": o.reason,
                "state": o.state,
                "resolution": o.resolution,
                "revision": o.integrated_in.number if o.integrated_in else None,
            }
            for o in proposal.objections.select_related("member", "integrated_in").order_by("pk")
        ],
        "concerns": [
            {"member": _person(p.member), "text": p.concern} for p in positions if p.concern
        ],
        "rounds": all_rounds,
        "review_date": review_date,
        "amends": proposal.amends.sequence if proposal.amends_id else None,
    }


def _users(ids):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=ids)


def _adopt(proposal, *, by, round_: Round, review_date, action: str) -> Proposal:
    review_date = _review_date(proposal, review_date)
    round_ = Round.objects.select_related("revision").get(pk=round_.pk)
    decision = record_decision(
        organization=proposal.circle.organization,
        kind=Decision.Kind.POLICY,
        circle=proposal.circle,
        title=proposal.title,
        body=round_.revision.body,
        record=policy_record(proposal, by=by, round_=round_, review_date=review_date),
        review_date=review_date,
        supersedes=proposal.amends,
    )
    proposal.decision = decision
    proposal.review_date = review_date
    proposal.consent_deadline = None
    proposal.flagged_for_meeting = False
    proposal.save(update_fields=["decision", "review_date", "flagged_for_meeting"])
    return _move(proposal, action=action, to_state=S.ADOPTED, by=by)


@transaction.atomic
def resolve_objection(
    *,
    proposal,
    by,
    objection_id: int,
    resolution: str,
    revision: int | None = None,
    reason: str = "",
    key=None,
) -> Objection:
    """Close an open objection: ``integrated`` by revision N (facilitator),
    ``withdrawn`` by the objector themself, or ``dropped`` with the circle's
    consent (the facilitator records it with a reason)."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    objection = (
        proposal.objections.select_related("response__round__revision")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None:
        raise NotFound(_("This objection does not exist."))
    if _replayed(proposal, key, by):
        return objection
    if resolution == Objection.State.WITHDRAWN:
        _require(by.pk == objection.member_id, _("Only the objector withdraws an objection."))
        if proposal.state not in (S.CONSENT, S.OBJECTIONS):
            raise Conflict(_("Objections are resolved while the proposal is in consent."))
    elif resolution in (Objection.State.INTEGRATED, Objection.State.DROPPED):
        _require_facilitator(by, proposal)
        _step(proposal, A.RESOLVE_OBJECTION)
    else:
        raise Invalid(_("Unknown resolution."), field="resolution")
    if objection.state != Objection.State.OPEN:
        raise Conflict(_("This objection is already resolved."))
    integrated_in = None
    if resolution == Objection.State.INTEGRATED:
        if revision in (None, ""):
            raise Invalid(_("Name the revision that integrates it."), field="revision")
        integrated_in = _revision(proposal, revision)
        raised_on = objection.response.round.revision
        if raised_on is not None and integrated_in.number <= raised_on.number:
            raise Invalid(
                _("Integrate it by an amendment made after revision %(n)d.")
                % {"n": raised_on.number},
                field="revision",
            )
        reason = _clean(reason, limit=MAX_REASON, field="reason")
    elif resolution == Objection.State.DROPPED:
        reason = _reason(reason)
    else:
        reason = _clean(reason, limit=MAX_REASON, field="reason")
    objection.state = resolution
    objection.resolution = reason
    objection.integrated_in = integrated_in
    objection.resolved = timezone.now()
    objection.resolved_by = by
    objection.save()
    _record(
        proposal,
        action=A.RESOLVE_OBJECTION,
        from_state=proposal.state,
        by=by,
        reason=f"{objection.get_state_display()}: {reason}".strip(": "),
    )
    events.changed(proposal)
    return objection


@transaction.atomic
def withdraw(*, proposal, by, reason: str, key=None) -> Proposal:
    return _leave(proposal, by=by, reason=reason, key=key, action=A.WITHDRAW)


@transaction.atomic
def defer(*, proposal, by, reason: str, key=None) -> Proposal:
    return _leave(proposal, by=by, reason=reason, key=key, action=A.DEFER)


def _leave(proposal, *, by, reason, key, action) -> Proposal:
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return proposal
    may = circle_selectors.can_facilitate(by, proposal.circle)
    if action == A.WITHDRAW:
        may = may or by.pk == proposal.author_id
    _require(may, _("Only the facilitator (or the author, to withdraw) may do this."))
    target = _step(proposal, action)
    reason = _reason(reason)
    _close_open_round(proposal)
    proposal.consent_deadline = None
    return _move(proposal, action=action, to_state=target, by=by, reason=reason)


@transaction.atomic
def step_back(*, proposal, by, reason: str, key=None) -> Proposal:
    """Go back one step with a recorded reason; an open round is closed."""
    proposal, target = _facilitator_step(proposal, by, key, A.STEP_BACK)
    if target is None:
        return proposal
    reason = _reason(reason)
    _close_open_round(proposal)
    proposal.consent_deadline = None
    return _move(proposal, action=A.STEP_BACK, to_state=target, by=by, reason=reason)


# Members' answers ---------------------------------------------------------------


@transaction.atomic
def answer(
    *, proposal, by, kind: str, text: str = "", concern: str = "", key=None
) -> Response | None:
    """A participant answers the open round, for themself only.

    In a consent round an objection opens an ``Objection``; changing it (to a
    consent or another objection) marks the earlier one withdrawn. In an
    asynchronous round an objection flags the proposal for the next meeting,
    and the last consent before the deadline adopts it.
    """
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return None
    _require(
        circle_selectors.can_take_part(by, proposal.circle),
        _("Only a member of the circle answers its rounds."),
    )
    round_ = _answerable_round(proposal)
    return _take_answer(proposal, round_, member=by, by=by, kind=kind, text=text, concern=concern)


@transaction.atomic
def answer_for(
    *,
    proposal,
    member,
    by,
    kind: str,
    text: str = "",
    concern: str = "",
    key=None,
) -> Response | None:
    """The facilitator records the answer of someone in the room without a device.

    ``member`` (a user or a user id) must take part in the open round; in an
    in-turn round it must be their turn, as when they answer themself. The
    answer is theirs (an objection is their objection) and keeps who recorded it.
    """
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return None
    _require(
        circle_selectors.can_facilitate(by, proposal.circle),
        _("Only the circle's facilitator records an answer for someone."),
    )
    round_ = _answerable_round(proposal)
    member = _round_participant(round_, member)
    return _take_answer(
        proposal,
        round_,
        member=member,
        by=by,
        kind=kind,
        text=text,
        concern=concern,
        recorded_by=by,
    )


def _answerable_round(proposal) -> Round:
    """The open round of an open proposal, before its deadline, or a Conflict."""
    if not proposal.is_open:
        raise Conflict(_("This proposal is closed."))
    round_ = rounds.open_round_of(proposal)
    if round_ is None:
        raise Conflict(_("No round is open; the round may have closed."))
    if proposal.consent_deadline is not None and timezone.now() >= proposal.consent_deadline:
        raise Conflict(_("The deadline has passed; the facilitator takes it from here."))
    return round_


def _round_participant(round_: Round, member):
    """The user ``member`` (a user or an id) if they take part in ``round_``."""
    refused = Invalid(_("Choose someone who takes part in this round."), field="member")
    try:
        member_id = int(getattr(member, "pk", member))
    except (TypeError, ValueError):
        raise refused from None
    if member_id not in round_.speakers:
        raise refused
    users = list(_users([member_id]))
    if not users:
        raise refused
    return users[0]


def _take_answer(
    proposal, round_: Round, *, member, by, kind, text, concern, recorded_by=None
) -> Response:
    """Record ``member``'s answer in ``round_`` and what follows from it.

    In a consent round an objection opens an ``Objection``; changing it (to a
    consent or another objection) marks the earlier one withdrawn. In an
    asynchronous round an objection flags the proposal for the next meeting,
    and the last consent before the deadline adopts it.
    """
    before = None
    if round_.kind == Round.Kind.CONSENT:
        before = Objection.objects.filter(
            response__round=round_,
            response__replaced__isnull=True,
            member=member,
            state=Objection.State.OPEN,
        ).first()
    response = rounds.respond(
        round_=round_,
        member=member,
        kind=kind,
        text=text,
        concern=concern,
        recorded_by=recorded_by,
    )
    if before is not None:
        before.state = Objection.State.WITHDRAWN
        before.resolution = _("Changed position in the round.")
        before.resolved = response.created
        before.resolved_by = by
        before.save()
    if response.kind == Response.Kind.OBJECT:
        Objection.objects.create(
            proposal=proposal, response=response, member=member, reason=response.text
        )
        if proposal.consent_deadline is not None:
            proposal.flagged_for_meeting = True
            proposal.save(update_fields=["flagged_for_meeting"])
    if (
        proposal.consent_deadline is not None
        and round_.kind == Round.Kind.CONSENT
        and _everyone_consents(proposal, round_)
    ):
        # Every member consented before the deadline: adopted, in this transaction.
        rounds.close_round(round_=round_)
        _adopt(
            proposal, by=round_.opened_by, round_=round_, review_date=None, action="async_adopted"
        )
    events.changed(proposal)
    return response


@transaction.atomic
def reply(*, proposal, by, response_id: int, text: str, key=None) -> Response:
    """The author answers a clarifying question; the reply is kept with it."""
    proposal = _lock(proposal)
    _require_reader(by, proposal)
    response = (
        Response.objects.filter(pk=response_id, round__in=rounds.rounds_of(proposal))
        .select_related("round")
        .first()
    )
    if response is None or response.kind != Response.Kind.QUESTION:
        raise NotFound(_("This question does not exist."))
    if _replayed(proposal, key, by):
        return response
    _require(by.pk == proposal.author_id, _("Only the author answers the questions."))
    if not proposal.is_open:
        raise Conflict(_("This proposal is closed."))
    response.reply = _clean(
        text, limit=rounds.MAX_TEXT, field="text", required=_("Write your reply.")
    )
    response.save(update_fields=["reply"])
    events.changed(proposal)
    return response


# Reminders -----------------------------------------------------------------------


def send_consent_reminders(*, now: datetime | None = None) -> int:
    """Email each participant who has not answered an open asynchronous
    consent round, once (a ``ConsentReminder`` row per member and round)."""
    from django.conf import settings
    from django.core.mail import send_mail

    from proposals.models import ConsentReminder

    now = now or timezone.now()
    sent = 0
    for proposal in Proposal.objects.filter(
        state=S.CONSENT, consent_deadline__gt=now
    ).select_related("circle", "circle__organization"):
        round_ = rounds.open_round_of(proposal)
        if round_ is None:
            continue
        missing = set(round_.speakers) - rounds.answered_ids(round_)
        for user in _users(missing):
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        ConsentReminder.objects.create(proposal=proposal, round=round_, member=user)
                except IntegrityError:
                    continue  # already reminded
                send_mail(
                    _("Your consent is asked: %(title)s") % {"title": proposal.title},
                    _(
                        "The circle %(circle)s asks your consent on “%(title)s” before "
                        "%(deadline)s. Answer on the proposal's page: %(url)s"
                    )
                    % {
                        "circle": proposal.circle.name,
                        "title": proposal.title,
                        "deadline": timezone.localtime(proposal.consent_deadline).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                        "url": settings_url(proposal),
                    },
                    getattr(settings, "DEFAULT_FROM_EMAIL", None),
                    [user.email],
                )
                sent += 1
        if missing and proposal.reminded is None:
            Proposal.objects.filter(pk=proposal.pk).update(reminded=now)
    return sent


def settings_url(proposal) -> str:
    from django.conf import settings
    from django.urls import reverse

    path = reverse(
        "proposals:detail", kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk}
    )
    return getattr(settings, "SITE_URL", "").rstrip("/") + path
