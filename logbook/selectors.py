"""Reads of the decision log for its pages, API, exports and feeds.

Visibility comes from ``circles.selectors.can_read_log``; every entry point
here takes an organization that the caller already resolved through
``readable_log_or_none`` (an outsider gets None, so the view answers 404 and
never reveals that a private log exists).

Each page runs a fixed number of queries whatever the size of the log: keyset
pagination on the sequence number, ``select_related`` for the circle, and the
successor of each entry as a subquery.
"""

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from core.errors import Invalid
from decisions.models import GENESIS_HASH, Decision, LogHead
from decisions.services import Verification, verify_log
from logbook.models import DecisionPerson, FeedToken, PersonIndexState
from logbook.records import RecordView, changes, view

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
DUE_WITHIN_DAYS = 30
VERIFY_CACHE_SECONDS = 600


class Status:
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    DUE = "due"
    OVERDUE = "overdue"

    choices = [
        (IN_FORCE, "in force"),
        (SUPERSEDED, "superseded"),
        (DUE, "due for review"),
        (OVERDUE, "review overdue"),
    ]


def status_choices():
    return [
        (Status.IN_FORCE, _("In force")),
        (Status.SUPERSEDED, _("Superseded")),
        (Status.DUE, _("Due for review (30 days)")),
        (Status.OVERDUE, _("Review overdue")),
    ]


FILTER_KEYS = {"circle", "subcircles", "kind", "from", "to", "person", "role", "status"}
PAGING_KEYS = {"before", "limit"}
SEARCH_KEYS = {"q", "circle", "subcircles", "kind"}


# Visibility ------------------------------------------------------------------


def organization_or_none(slug: str):
    """The organization of that short name, or None, whoever asks.

    The log pages reach ``circles`` through its selectors only; the
    organization model comes from the app registry (as the log core's
    ``verify_decisions`` does), not from an import of ``circles.models``.
    """
    return apps.get_model("circles", "Organization").objects.filter(slug=slug).first()


def readable_log_or_none(user, slug: str):
    """The organization if ``user`` may read its log, else None (a 404)."""
    organization = organization_or_none(slug)
    if organization is None or not circle_selectors.can_read_log(user, organization):
        return None
    return organization


def circle_or_none(organization, slug: str):
    return circle_selectors.circle_or_none(organization, slug)


def user_for_feed_token(organization, raw: str):
    """The member a private feed token belongs to, or None if unknown or revoked.

    The token only opens the log while its owner still belongs to the
    organization.
    """
    from accounts.models import hash_token

    if not raw:
        return None
    token = (
        FeedToken.objects.filter(
            organization=organization, token_hash=hash_token(raw), revoked__isnull=True
        )
        .select_related("user")
        .first()
    )
    if token is None or not circle_selectors.is_org_member(token.user, organization):
        return None
    return token.user


def feed_tokens(user, organization) -> QuerySet[FeedToken]:
    if not user.is_authenticated:
        return FeedToken.objects.none()
    return FeedToken.objects.filter(user=user, organization=organization, revoked__isnull=True)


# Filters ---------------------------------------------------------------------


@dataclass
class LogFilters:
    circle: Any = None  # a circles.Circle
    subcircles: bool = True
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    person: int | None = None
    role: str = ""
    status: str = ""
    before: int | None = None
    limit: int = PAGE_SIZE
    circle_ids: set[int] = field(default_factory=set)

    def as_query(self) -> dict:
        """The filters as GET parameters (for the next-page link and exports)."""
        out = {}
        if self.circle is not None:
            out["circle"] = self.circle.slug
            if not self.subcircles:
                out["subcircles"] = "0"
        for key, value in (
            ("kind", self.kind),
            ("from", self.date_from.isoformat() if self.date_from else ""),
            ("to", self.date_to.isoformat() if self.date_to else ""),
            ("person", self.person or ""),
            ("role", self.role),
            ("status", self.status),
        ):
            if value:
                out[key] = value
        return out


def _parse_date(value: str, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            _("“%(value)s” is not a date for “%(label)s”: write it as YYYY-MM-DD.")
            % {"value": value[:40], "label": label},
            field=label,
        ) from None


def _parse_int(value: str, label: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Invalid(
            _("“%(value)s” is not a number for “%(label)s”.")
            % {"value": value[:40], "label": label},
            field=label,
        )
    return int(value)


def parse_filters(organization, params: Mapping, *, circle=None, allowed=None) -> LogFilters:
    """Read the log filters from GET parameters; raise Invalid on a bad one.

    Unknown parameters are refused by name, so a mistyped filter never silently
    shows the whole log.
    """
    allowed = allowed if allowed is not None else FILTER_KEYS | PAGING_KEYS
    unknown = sorted(set(params.keys()) - set(allowed))
    if unknown:
        raise Invalid(
            _("Unknown filter: %(names)s.") % {"names": ", ".join(k[:40] for k in unknown[:5])},
            code="unknown_filter",
        )
    filters = LogFilters()
    slug = (params.get("circle") or "").strip()
    if circle is not None:
        filters.circle = circle
    elif slug:
        filters.circle = circle_or_none(organization, slug)
        if filters.circle is None:
            raise Invalid(_("There is no circle “%(slug)s”.") % {"slug": slug[:60]}, field="circle")
    filters.subcircles = (params.get("subcircles") or "1") not in ("0", "false", "no", "off")
    kind = (params.get("kind") or "").strip()
    if kind and kind not in Decision.Kind.values:
        raise Invalid(_("Unknown kind of decision “%(kind)s”.") % {"kind": kind[:40]}, field="kind")
    filters.kind = kind
    filters.date_from = _parse_date(params.get("from", ""), "from")
    filters.date_to = _parse_date(params.get("to", ""), "to")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise Invalid(_("The start date comes after the end date."), field="from")
    filters.person = _parse_int(params.get("person", ""), "person")
    role = (params.get("role") or "").strip()
    if role and role not in DecisionPerson.Role.values:
        raise Invalid(_("Unknown role “%(role)s”.") % {"role": role[:40]}, field="role")
    filters.role = role
    status = (params.get("status") or "").strip()
    if status and status not in dict(Status.choices):
        raise Invalid(_("Unknown status “%(status)s”.") % {"status": status[:40]}, field="status")
    filters.status = status
    filters.before = _parse_int(params.get("before", ""), "before")
    limit = _parse_int(params.get("limit", ""), "limit")
    # A huge page size is capped rather than refused: the reader still gets a page.
    filters.limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE_SIZE))
    if filters.circle is not None:
        filters.circle_ids = {filters.circle.pk}
        if filters.subcircles:
            filters.circle_ids |= circle_selectors.descendant_ids(filters.circle)
    return filters


# The person index ------------------------------------------------------------


def people_in_record(kind: str, record: dict) -> set[tuple[int, str]]:
    """(user id, role) pairs a process record names (docs/RECORDS.md)."""
    found: set[tuple[int, str]] = set()

    def add(person, role):
        if isinstance(person, dict) and isinstance(person.get("id"), int):
            found.add((person["id"], role))

    if not isinstance(record, dict):
        return found
    role = DecisionPerson.Role
    P, OBJ, S, A = role.PARTICIPANT, role.OBJECTOR, role.SELECTED, role.AUTHOR
    for person in record.get("participants") or []:
        add(person, P)
    for person in record.get("attendance") or []:
        add(person, P)
    for position in record.get("positions") or []:
        if isinstance(position, dict):
            add(position.get("member"), P)
            if position.get("position") == "object":
                add(position.get("member"), OBJ)
    for objection in record.get("objections") or []:
        if isinstance(objection, dict):
            add(objection.get("member"), OBJ)
    for concern in record.get("concerns") or []:
        if isinstance(concern, dict):
            add(concern.get("member"), P)
    if kind in (Decision.Kind.SELECTION, Decision.Kind.APPOINTMENT):
        add(record.get("person"), S)
    elif record.get("person"):
        add(record.get("person"), P)
    add(record.get("by"), A)
    proposal = record.get("proposal")
    if isinstance(proposal, dict):
        add(proposal.get("author"), A)
    return found


def ensure_person_index(organization) -> None:
    """Bring the DecisionPerson index up to the log head.

    The index is built from the records, on read, for the entries recorded
    since the last build (usually none: two small queries). The log is
    append-only, so an indexed entry never needs re-indexing.
    """
    head = LogHead.objects.filter(organization=organization).values_list("sequence", flat=True)
    state = PersonIndexState.objects.filter(organization=organization).values_list(
        "sequence", flat=True
    )
    head_seq = next(iter(head), 0)
    done = next(iter(state), 0)
    if done >= head_seq:
        return
    with transaction.atomic():
        state_row, _created = PersonIndexState.objects.select_for_update().get_or_create(
            organization=organization
        )
        rows = (
            Decision.objects.filter(organization=organization, sequence__gt=state_row.sequence)
            .order_by("sequence")
            .values_list("pk", "sequence", "kind", "record")
        )
        batch, last = [], state_row.sequence
        for pk, seq, kind, record in rows.iterator(chunk_size=2000):
            for user_id, role in people_in_record(kind, record):
                batch.append(
                    DecisionPerson(
                        decision_id=pk, organization=organization, user_id=user_id, role=role
                    )
                )
            last = seq
            if len(batch) >= 5000:
                DecisionPerson.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        DecisionPerson.objects.bulk_create(batch, ignore_conflicts=True)
        state_row.sequence = last
        state_row.save(update_fields=["sequence"])


# The log ---------------------------------------------------------------------


def _successor_subquery():
    return Subquery(
        Decision.objects.filter(supersedes=OuterRef("pk"))
        .order_by("sequence")
        .values("sequence")[:1]
    )


def _superseded():
    return Exists(Decision.objects.filter(supersedes=OuterRef("pk")))


def log_queryset(organization) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(organization=organization)
        .select_related("circle", "supersedes")
        .annotate(successor=_successor_subquery())
    )


def apply_filters(qs: QuerySet[Decision], organization, filters: LogFilters) -> QuerySet[Decision]:
    if filters.circle_ids:
        qs = qs.filter(circle_id__in=filters.circle_ids)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(decided_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        qs = qs.filter(decided_at__lt=end)
    if filters.person:
        ensure_person_index(organization)
        # An IN over the index (organization, user, role) rather than a
        # correlated EXISTS: PostgreSQL hashes the person's few decision ids
        # once, then walks the log newest first.
        people = DecisionPerson.objects.filter(organization=organization, user_id=filters.person)
        if filters.role:
            people = people.filter(role=filters.role)
        qs = qs.filter(pk__in=people.values("decision_id"))
    if filters.status:
        today = timezone.localdate()
        horizon = today + timedelta(days=DUE_WITHIN_DAYS)
        if filters.status == Status.SUPERSEDED:
            qs = qs.filter(_superseded())
        else:
            qs = qs.filter(~_superseded())
        if filters.status == Status.DUE:
            qs = qs.filter(
                Q(review_date__gte=today, review_date__lte=horizon)
                | Q(term_end__gte=today, term_end__lte=horizon)
            )
        elif filters.status == Status.OVERDUE:
            qs = qs.filter(Q(review_date__lt=today) | Q(term_end__lt=today))
    return qs


@dataclass
class LogPage:
    entries: list[Decision]
    next_before: int | None
    filters: LogFilters


def log_page(organization, filters: LogFilters) -> LogPage:
    """Newest first, ``filters.limit`` entries below ``filters.before``.

    Keyset pagination: a page is "the entries before #N", so new entries
    recorded while someone reads never shift or repeat what they see.
    """
    qs = apply_filters(log_queryset(organization), organization, filters)
    if filters.before:
        qs = qs.filter(sequence__lt=filters.before)
    rows = list(qs.order_by("-sequence")[: filters.limit + 1])
    entries = rows[: filters.limit]
    next_before = entries[-1].sequence if len(rows) > filters.limit else None
    return LogPage(entries=entries, next_before=next_before, filters=filters)


def all_entries(organization, filters: LogFilters | None = None) -> QuerySet[Decision]:
    """Every entry (oldest first) for an export, filters applied."""
    qs = log_queryset(organization)
    if filters is not None:
        qs = apply_filters(qs, organization, filters)
    return qs.order_by("sequence")


def due_entries(organization, *, circle=None, within_days: int = DUE_WITHIN_DAYS):
    """Entries in force whose review date or term end is past or within the horizon."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    qs = log_queryset(organization).filter(~_superseded())
    if circle is not None:
        qs = qs.filter(circle=circle)
    qs = qs.filter(Q(review_date__lte=horizon) | Q(term_end__lte=horizon))
    return qs.annotate(due_on=Coalesce("review_date", "term_end")).order_by("due_on", "sequence")


def policies_in_force(circle) -> QuerySet[Decision]:
    """The circle's policies not superseded, oldest first."""
    return (
        log_queryset(circle.organization)
        .filter(circle=circle, kind=Decision.Kind.POLICY)
        .filter(~_superseded())
        .order_by("sequence")
    )


def review_status(decision, today: date | None = None) -> str:
    """``overdue`` (review date past), ``due`` (within ``DUE_WITHIN_DAYS``) or ``in_force``."""
    today = today or timezone.localdate()
    if decision.review_date is None:
        return Status.IN_FORCE
    if decision.review_date < today:
        return Status.OVERDUE
    if decision.review_date <= today + timedelta(days=DUE_WITHIN_DAYS):
        return Status.DUE
    return Status.IN_FORCE


def policy_book(circle) -> list[dict]:
    """The circle's policies in force grouped by domain: the circle's domains in
    their order (``circles.selectors.domains_of``), then a domain the circle no
    longer names, then "no domain" (``domain`` None) last; each policy with its
    measures and review status. Empty groups are left out."""
    domains = circle_selectors.domains_of(circle)
    groups: dict[str | None, list] = {d: [] for d in domains}
    today = timezone.localdate()
    for decision in policies_in_force(circle):
        record = decision.record or {}
        decision.measures = list(record.get("measures") or [])
        decision.domain = record.get("domain") or None
        decision.status = review_status(decision, today)
        groups.setdefault(decision.domain, []).append(decision)
    ordered = sorted(
        (k for k in groups if k is not None),
        key=lambda k: (k not in domains, domains.index(k) if k in domains else 0, k),
    )
    book = [{"domain": k, "policies": groups[k]} for k in ordered if groups[k]]
    if groups.get(None):
        book.append({"domain": None, "policies": groups[None]})
    return book


def dated_entries(organization, *, circle=None) -> QuerySet[Decision]:
    """Entries in force with a review date or term end (the calendar)."""
    qs = log_queryset(organization).filter(~_superseded())
    if circle is not None:
        qs = qs.filter(circle=circle)
    return qs.filter(Q(review_date__isnull=False) | Q(term_end__isnull=False)).order_by("sequence")


# One entry -------------------------------------------------------------------


def decision_or_none(organization, sequence: int) -> Decision | None:
    return (
        log_queryset(organization)
        .select_related("supersedes__circle", "organization")
        .filter(sequence=sequence)
        .first()
    )


def successors(decision) -> list[Decision]:
    return list(decision.superseded_by.order_by("sequence").select_related("circle"))


def replaced_text(decision) -> Decision | None:
    """The entry whose text this one replaces: ``supersedes``, else ``record.amends``."""
    if decision.supersedes_id:
        return decision.supersedes
    amends = decision.record.get("amends") if isinstance(decision.record, dict) else None
    if isinstance(amends, int):
        return Decision.objects.filter(
            organization_id=decision.organization_id, sequence=amends
        ).first()
    return None


def outcome_labels() -> dict[str, str]:
    """The words of a minutes item's ``outcome`` (``realtime.AgendaItem.
    Outcome``, which the log pages may not import), in the reader's language.
    Minutes written before the outcomes were words carry free text: shown as is."""
    return {
        "decided": _("Decided"),
        "selected": _("Selection decided"),
        "selection_opened": _("Selection opened, not finished"),
        "deferred": _("Deferred to the next meeting"),
        "withdrawn": _("Withdrawn"),
        "cancelled": _("Selection cancelled"),
        "noted": _("Noted"),
        "consented": _("Consented"),
        "skipped": _("Not held"),
    }


def minutes_items(decision) -> list[dict]:
    """The agenda of a minutes entry, each item with the decision it led to.

    The minutes name each item's outcome and the sequence of its decision;
    the page shows, from that decision's own record, who was selected and
    for which term, and the objections and how each was resolved (one query
    for all the items).
    """
    record = decision.record if isinstance(decision.record, dict) else {}
    items = [i for i in record.get("items") or [] if isinstance(i, dict)]
    sequences = {i["decision"] for i in items if isinstance(i.get("decision"), int)}
    linked = {
        d.sequence: d
        for d in Decision.objects.filter(
            organization_id=decision.organization_id, sequence__in=sequences
        )
    }
    labels = outcome_labels()
    out = []
    for item in items:
        found = linked.get(item.get("decision"))
        outcome = item.get("outcome") or ""
        out.append(
            {
                "item": view(item),
                "outcome": labels.get(outcome, outcome) if isinstance(outcome, str) else "",
                "hash": found.hash if found is not None else item.get("decision_hash"),
                "decision": found,
                "record": view(found.record) if found is not None else None,
            }
        )
    return out


def record_changes(decision) -> list[tuple[str, Any, Any]]:
    """What an edit (``before``/``after`` in a structure record) changed."""
    record = decision.record if isinstance(decision.record, dict) else {}
    return changes(record.get("before"), record.get("after"))


def entry_record(decision) -> RecordView:
    """The decision's process record for a template (``logbook.records``)."""
    return RecordView(decision.record)


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff as (op, line) pairs, op in equal/insert/delete; the template escapes."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(("equal", line) for line in old_lines[i1:i2])
        else:
            out.extend(("delete", line) for line in old_lines[i1:i2])
            out.extend(("insert", line) for line in new_lines[j1:j2])
    return out


# Verification ----------------------------------------------------------------


def _verify_key(organization_id: int, head_sequence: int, head_hash: str) -> str:
    return f"logbook:verify:{organization_id}:{head_sequence}:{head_hash}"


def cached_verification(organization) -> tuple[Verification, datetime]:
    """The last full check of the chain at the current head (at most ten
    minutes old), and when it ran.

    A full check reads every entry; the log page shows a recent result for
    the current head (a new entry starts a new check) and the "verify" page
    runs it afresh.
    """
    head_sequence, head_hash = log_head(organization)
    cached = cache.get(_verify_key(organization.pk, head_sequence, head_hash))
    if cached is None:
        cached = fresh_verification(organization)
    return cached


def fresh_verification(organization) -> tuple[Verification, datetime]:
    result = verify_log(organization_id=organization.pk)
    checked = (result, timezone.now())
    cache.set(
        _verify_key(organization.pk, result.head_sequence, result.head_hash),
        checked,
        VERIFY_CACHE_SECONDS,
    )
    return checked


def log_head(organization) -> tuple[int, str]:
    head = LogHead.objects.filter(organization=organization).first()
    return (head.sequence, head.hash) if head else (0, GENESIS_HASH)


def permalink(organization, sequence: int) -> str:
    """The path of a decision without loading its organization again."""
    from django.urls import reverse

    return reverse("logbook:detail", kwargs={"org": organization.slug, "seq": sequence})
