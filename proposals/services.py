"""The consent process engine: every change to a proposal is one function here.

Each service runs in one transaction, locks the proposal row first (so two
facilitators clicking at once are serialised and the second sees the state
the first left), claims the idempotency key (a retried submission then does
nothing), asks the step table (``proposals.steps.STEPS.check``: who, the
state, the step's guard), and only then writes. Every step is recorded as a ``ProposalEvent``; an
adoption is recorded in the log through ``decisions.services.record_decision``
in the same transaction. Listeners hear of a change only after commit.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from circles import relays
from circles import selectors as circle_selectors
from circles import services as circle_services
from circles.models import OrganizationMember
from core import events, notify
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from core.idempotency import first_time, parse_key
from decisions.models import Decision
from decisions.services import record_decision
from proposals import rounds, steps
from proposals.models import Objection, Proposal, ProposalEvent, Response, Revision, Round
from proposals.records import policy_record
from proposals.steps import ROUND_KIND_OF_STATE, STEPS, may_resolve, target

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_NOTE = 500
MAX_REASON = 5_000
MAX_MEASURES = 20
MAX_MEASURE = 500

S = Proposal.State


# Helpers ---------------------------------------------------------------------


def _lock(proposal, by=None) -> Proposal:
    """The proposal, locked, with its circle and organization; with ``by``,
    whether they may read its organization is asked in the same statement
    (``reader``, for ``_require_reader``)."""
    rows = Proposal.objects.select_for_update(of=("self",)).select_related(
        "circle", "circle__organization"
    )
    if _authenticated(by):
        rows = rows.annotate(
            reader=Exists(
                OrganizationMember.objects.filter(
                    organization=OuterRef("circle__organization"), user=by, left__isnull=True
                )
            )
        )
    try:
        return rows.get(pk=proposal.pk)
    except Proposal.DoesNotExist:
        raise NotFound(_("This proposal does not exist.")) from None


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def _require_reader(by, proposal) -> None:
    # Someone who may not even read the proposal learns nothing more than a 404.
    if not _authenticated(by):
        raise NotFound(_("This proposal does not exist."))
    reader = getattr(proposal, "reader", None)  # asked with the lock (``_lock``)
    if reader is None:
        reader = circle_selectors.can_read_organization(by, proposal.circle.organization)
    if not reader:
        raise NotFound(_("This proposal does not exist."))


def _begin(proposal, by, key, step: str) -> tuple[Proposal, bool]:
    """The head of every step: lock, a reader only, the replay check, then the
    table (who, the state, the step's guard). False: a replay, do nothing."""
    proposal, go, _round = _begin_in_round(proposal, by, key, step)
    return proposal, go


def _begin_in_round(proposal, by, key, step: str) -> tuple[Proposal, bool, Round | None]:
    """``_begin``, and the open round the check saw (read once, after the
    proposal's lock: no step of it can open or close a round meanwhile),
    itself locked: ``rounds.respond`` and ``rounds.advance`` take it as it is
    (``locked=True``) instead of reading it again."""
    proposal = _lock(proposal, by)
    _require_reader(by, proposal)
    if _replayed(proposal, key, by):
        return proposal, False, None
    # One check reads each role and guard once (the proposal is locked).
    with steps.remembering():
        steps.seen_round(proposal, rounds.open_round_of(proposal, lock=True))
        STEPS.check(step, proposal, by)
        return proposal, True, steps.open_round(proposal)


def _id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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


def _participants(proposal, participants: Sequence[int] | None) -> list[int]:
    """Who takes part in a round, in seat order: ``circles.selectors.participants_of``
    (the members present in a live meeting, else the circle), unless the caller
    names them (members of the circle, in the order given)."""
    if participants is None:
        return circle_selectors.participants_of(proposal)
    members = set(circle_selectors.seat_order(proposal.circle))
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


def clean_measures(measures) -> list[str]:
    """How the circle will know the policy works: one measure a line (or a
    list of them), blank ones dropped, at most ``MAX_MEASURES`` of
    ``MAX_MEASURE`` characters."""
    if isinstance(measures, str):
        measures = [measures]
    items = [line.strip() for m in (measures or []) for line in str(m).splitlines() if line.strip()]
    if len(items) > MAX_MEASURES or any(len(m) > MAX_MEASURE for m in items):
        raise Invalid(
            _("At most %(n)d measures of %(length)d characters each.")
            % {"n": MAX_MEASURES, "length": MAX_MEASURE},
            field="measures",
        )
    return items


def clean_domain(circle, domain) -> str:
    """One of the circle's domains (``circles.selectors.domains_of``), or "" for none."""
    domain = (domain or "").strip()
    if domain and domain not in circle_selectors.domains_of(circle):
        raise Invalid(_("Choose one of the circle's domains, or none."), field="domain")
    return domain


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
    change: dict | None = None,
    measures: Sequence[str] | str | None = None,
    domain: str = "",
    key=None,
) -> Proposal:
    """A circle member drafts a proposal; revision 1 holds its text. Its
    measures and domain (optional) go into the policy's record on adoption.

    ``change``: a change of definitions it carries (made and checked by
    ``circles.services.propose_change``, which reaches here through
    ``core.proposing``); its adoption applies it."""
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
    measures = clean_measures(measures)
    domain = clean_domain(circle, domain)
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                circle=circle,
                author=by,
                title=title,
                review_date=review_date,
                amends=amends,
                change=change,
                measures=measures,
                domain=domain,
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
    *,
    proposal,
    by,
    title: str,
    body: str,
    review_date: date | None = None,
    measures: Sequence[str] | str | None = None,
    domain: str | None = None,
    key=None,
) -> Proposal:
    """The author rewrites the draft; before presentation no revision is kept.
    Measures or a domain left out (None) stay as they were."""
    proposal, go = _begin(proposal, by, key, "edit_draft")
    if not go:
        return proposal
    title = _clean(title, limit=MAX_TITLE, field="title", required=_("A proposal needs a title."))
    body = _clean(body, limit=MAX_BODY, field="body", required=_("Write the proposal's text."))
    if review_date is not None and review_date <= timezone.localdate():
        raise Invalid(_("The review date must be in the future."), field="review_date")
    if proposal.change:
        # A change of definitions follows its text (as an amendment's does).
        proposal.change = circle_services.revise_change(change=proposal.change, text=body)
    proposal.title = title
    proposal.review_date = review_date
    if measures is not None:
        proposal.measures = clean_measures(measures)
    if domain is not None:
        proposal.domain = clean_domain(proposal.circle, domain)
    proposal.save(update_fields=["title", "review_date", "measures", "domain", "change"])
    revision = latest_revision(proposal)
    revision.body = body
    revision.save(update_fields=["body"])
    _record(proposal, action="edit_draft", from_state=S.DRAFT, by=by)
    events.changed(proposal)
    return proposal


# Facilitator's steps -----------------------------------------------------------


@transaction.atomic
def present(*, proposal, by, key=None) -> Proposal:
    proposal, go = _begin(proposal, by, key, "present")
    if not go:
        return proposal
    to_state = target("present", proposal)
    return _move(proposal, action="present", to_state=to_state, by=by)


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
    proposal, go = _begin(proposal, by, key, "open_clarifying")
    if not go:
        return proposal
    to_state = target("open_clarifying", proposal)
    _open(
        proposal,
        kind=Round.Kind.CLARIFYING,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action="open_clarifying", to_state=to_state, by=by)


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
    proposal, go = _begin(proposal, by, key, "open_reactions")
    if not go:
        return proposal
    to_state = target("open_reactions", proposal)
    _close_open_round(proposal)
    _open(
        proposal,
        kind=Round.Kind.REACTION,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action="open_reactions", to_state=to_state, by=by)


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
    proposal, go = _begin(proposal, by, key, "open_round")
    if not go:
        return proposal
    to_state = target("open_round", proposal)
    _open(
        proposal,
        kind=ROUND_KIND_OF_STATE[proposal.state],
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
    )
    return _move(proposal, action="open_round", to_state=to_state, by=by)


@transaction.atomic
def next_speaker(*, proposal, by, key=None) -> Proposal:
    """Move an in-turn round on: the facilitator, or the current speaker."""
    proposal, go, round_ = _begin_in_round(proposal, by, key, "next_speaker")
    if not go:
        return proposal
    rounds.advance(round_=round_, locked=True)
    return _move(proposal, action="next_speaker", to_state=proposal.state, by=by)


@transaction.atomic
def close_round(*, proposal, by, key=None) -> Proposal:
    proposal, go = _begin(proposal, by, key, "close_round")
    if not go:
        return proposal
    _close_open_round(proposal)
    return _move(proposal, action="close_round", to_state=proposal.state, by=by)


@transaction.atomic
def amend(*, proposal, by, body: str, change_note: str, key=None) -> Revision:
    """A new numbered revision with a note of what changed (author or facilitator)."""
    proposal, go = _begin(proposal, by, key, "amend")
    if not go:
        return latest_revision(proposal)
    body = _clean(body, limit=MAX_BODY, field="body", required=_("Write the amended text."))
    change_note = _clean(
        change_note, limit=MAX_NOTE, field="change_note", required=_("Say what changed.")
    )
    current = latest_revision(proposal)
    if current is not None and current.body == body:
        raise Invalid(
            _("The text is the same as revision %(n)d.") % {"n": current.number}, field="body"
        )
    if proposal.change:
        # A change of definitions follows its latest text: adopting it applies
        # what the circle consented to (refused if the text no longer says it).
        proposal.change = circle_services.revise_change(change=proposal.change, text=body)
        proposal.save(update_fields=["change"])
    number = (proposal.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = Revision.objects.create(
        proposal=proposal, number=number, body=body, change_note=change_note, author=by
    )
    _move(proposal, action="amend", to_state=proposal.state, by=by, reason=change_note)
    notify.announce(
        "proposal_amended",
        subject=proposal,
        key=f"proposal_amended:{revision.pk}",
        title=proposal.title,
        revision=revision.number,
        by=by.pk,
    )
    return revision


def _open_consent(proposal, *, by, mode, revision, participants, start_with) -> None:
    revision = _revision(proposal, revision)
    if revision.number != latest_revision(proposal).number:
        raise Invalid(
            _("Consent is asked on the latest revision (%(n)d).")
            % {"n": latest_revision(proposal).number},
            field="revision",
        )
    _close_open_round(proposal)
    round_ = _open(
        proposal,
        kind=Round.Kind.CONSENT,
        by=by,
        mode=mode,
        participants=participants,
        start_with=start_with,
        revision=revision,
    )
    notify.announce(
        "consent_asked",
        subject=proposal,
        key=f"consent_asked:{round_.pk}",
        title=proposal.title,
        circle=proposal.circle.name,
        round=round_.pk,
        by=getattr(by, "pk", None),
    )


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
    proposal, go = _begin(proposal, by, key, "open_consent")
    if not go:
        return proposal
    to_state = target("open_consent", proposal)
    _open_consent(
        proposal,
        by=by,
        mode=mode,
        revision=revision,
        participants=participants,
        start_with=start_with,
    )
    proposal.consent_deadline = None
    revision_number = rounds.open_round_of(proposal).revision.number
    return _move(
        proposal,
        action="open_consent",
        to_state=to_state,
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
    proposal, go = _begin(proposal, by, key, "open_async_consent")
    if not go:
        return proposal
    to_state = target("open_async_consent", proposal)
    if deadline is None:
        raise Invalid(_("Choose a deadline."), field="deadline")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= timezone.now():
        raise Invalid(_("The deadline must be in the future."), field="deadline")
    _open_consent(
        proposal,
        by=by,
        mode=Round.Mode.REVEAL,
        revision=revision,
        participants=participants,
        start_with=None,
    )
    proposal.consent_deadline = deadline
    proposal.flagged_for_meeting = False
    proposal.save(update_fields=["flagged_for_meeting"])
    return _move(proposal, action="open_async_consent", to_state=to_state, by=by)


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
    proposal, go = _begin(proposal, by, key, "acknowledge")
    if not go:
        return proposal
    to_state = target("acknowledge", proposal)
    _close_open_round(proposal)
    round_ = _last_consent_round(proposal)
    if round_ is None:
        raise Conflict(_("There is no consent round to acknowledge."))
    if _everyone_consents(proposal, round_):
        return _adopt(proposal, by=by, round_=round_, review_date=review_date, action="acknowledge")
    proposal.flagged_for_meeting = proposal.consent_deadline is not None
    proposal.consent_deadline = None
    proposal.save(update_fields=["flagged_for_meeting"])
    return _move(proposal, action="acknowledge", to_state=to_state, by=by)


@transaction.atomic
def adopt(*, proposal, by, review_date: date | None = None, key=None) -> Proposal:
    """Adopt after the objections were resolved without changing the text
    (withdrawn or dropped); an integrated objection needs a new consent round."""
    proposal, go = _begin(proposal, by, key, "adopt")
    if not go:
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
    return _adopt(proposal, by=by, round_=round_, review_date=review_date, action="adopt")


def _users(ids):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=ids)


def _adopt(proposal, *, by, round_: Round, review_date, action: str) -> Proposal:
    review_date = _review_date(proposal, review_date)
    round_ = Round.objects.select_related("revision").get(pk=round_.pk)
    record = policy_record(proposal, by=by, round_=round_, review_date=review_date)
    if proposal.change:
        # The adopted text becomes the definition, in this transaction.
        record["definition"] = circle_services.apply_change(change=proposal.change, by=by)
    decision = record_decision(
        organization=proposal.circle.organization,
        kind=Decision.Kind.POLICY,
        circle=proposal.circle,
        title=proposal.title,
        body=round_.revision.body,
        record=record,
        review_date=review_date,
        supersedes=proposal.amends,
    )
    # A child circle's policy in one of its domains goes up the double link
    # (the parent delegated those domains), in the same transaction.
    relays.mark_policy(decision=decision, by=by, domain=proposal.domain)
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
    consent (the facilitator records it with a reason). Who may resolve which
    objection, and how, is ``proposals.steps.may_resolve``."""
    proposal = _lock(proposal, by)
    _require_reader(by, proposal)
    objection = (
        proposal.objections.select_related("response__round__revision")
        .filter(pk=_id(objection_id))
        .first()
    )
    if objection is None:
        raise NotFound(_("This objection does not exist."))
    if _replayed(proposal, key, by):
        return objection
    may_resolve(proposal, objection, by, resolution).check()
    if resolution not in (
        Objection.State.WITHDRAWN,
        Objection.State.INTEGRATED,
        Objection.State.DROPPED,
    ):
        raise Invalid(_("Unknown resolution."), field="resolution")
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
        action="resolve_objection",
        from_state=proposal.state,
        by=by,
        reason=f"{objection.get_state_display()}: {reason}".strip(": "),
    )
    if integrated_in is not None:
        notify.announce(
            "objection_integrated",
            subject=proposal,
            key=f"objection_integrated:{objection.pk}",
            title=proposal.title,
            revision=integrated_in.number,
            objector=objection.member_id,
            by=by.pk,
        )
    events.changed(proposal)
    return objection


@transaction.atomic
def withdraw(*, proposal, by, reason: str, key=None) -> Proposal:
    return _leave(proposal, by=by, reason=reason, key=key, action="withdraw")


@transaction.atomic
def defer(*, proposal, by, reason: str, key=None) -> Proposal:
    return _leave(proposal, by=by, reason=reason, key=key, action="defer")


def _leave(proposal, *, by, reason, key, action) -> Proposal:
    proposal, go = _begin(proposal, by, key, action)
    if not go:
        return proposal
    to_state = target(action, proposal)
    reason = _reason(reason)
    _close_open_round(proposal)
    proposal.consent_deadline = None
    return _move(proposal, action=action, to_state=to_state, by=by, reason=reason)


@transaction.atomic
def step_back(*, proposal, by, reason: str, key=None) -> Proposal:
    """Go back one step with a recorded reason; an open round is closed."""
    proposal, go = _begin(proposal, by, key, "step_back")
    if not go:
        return proposal
    to_state = target("step_back", proposal)
    reason = _reason(reason)
    _close_open_round(proposal)
    proposal.consent_deadline = None
    return _move(proposal, action="step_back", to_state=to_state, by=by, reason=reason)


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
    proposal, go, round_ = _begin_in_round(proposal, by, key, "answer")
    if not go:
        return None
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
    """The facilitator or the meeting's secretary records the answer of someone in
    the room without a device.

    ``member`` (a user or a user id) must take part in the open round; in an
    in-turn round it must be their turn, as when they answer themself. The
    answer is theirs (an objection is their objection) and keeps who recorded it.
    """
    proposal, go, round_ = _begin_in_round(proposal, by, key, "answer_for")
    if not go:
        return None
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
        locked=True,  # read locked by ``_begin_in_round``, in this transaction
    )
    if before is not None:
        before.state = Objection.State.WITHDRAWN
        before.resolution = _("Changed position in the round.")
        before.resolved = response.created
        before.resolved_by = by
        before.save()
    if response.kind == Response.Kind.OBJECT:
        objection = Objection.objects.create(
            proposal=proposal, response=response, member=member, reason=response.text
        )
        notify.announce(
            "objection_raised",
            subject=proposal,
            key=f"objection_raised:{objection.pk}",
            title=proposal.title,
            objector=member.name,
            by=member.pk,
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
    proposal = _lock(proposal, by)
    _require_reader(by, proposal)
    response = (
        Response.objects.filter(pk=_id(response_id), round__in=rounds.rounds_of(proposal))
        .select_related("round")
        .first()
    )
    if response is None or response.kind != Response.Kind.QUESTION:
        raise NotFound(_("This question does not exist."))
    if _replayed(proposal, key, by):
        return response
    STEPS.check("reply", proposal, by)
    response.reply = _clean(
        text, limit=rounds.MAX_TEXT, field="text", required=_("Write your reply.")
    )
    response.save(update_fields=["reply"])
    events.changed(proposal)
    return response
