"""Writing and verifying the log. ``record_decision`` is its only writer."""

import json
from dataclasses import dataclass
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.errors import Invalid
from decisions.models import GENESIS_HASH, Decision, LogHead, chain_hash, decision_content

MAX_TITLE = 300
MAX_BODY = 200_000


def _normalise_record(record) -> dict:
    """The record exactly as the database will give it back (dates as strings)."""
    if record is None:
        return {}
    if not isinstance(record, dict):
        raise Invalid("A decision's record is a mapping.")
    return json.loads(json.dumps(record, cls=DjangoJSONEncoder))


def record_decision(
    *,
    organization,
    kind: str,
    title: str,
    body: str = "",
    record: dict | None = None,
    circle=None,
    decided_at: datetime | None = None,
    review_date: date | None = None,
    term_end: date | None = None,
    supersedes: Decision | None = None,
) -> Decision:
    """Append one decision to ``organization``'s log and return it.

    Runs inside the caller's transaction (so the decision and the change it
    records commit or roll back together) and locks the organization's log
    head, so two writers can never take the same sequence number.
    """
    if kind not in Decision.Kind.values:
        raise Invalid(f"Unknown decision kind {kind!r}.")
    title = (title or "").strip()
    if not title:
        raise Invalid("A decision needs a title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"A decision title has at most {MAX_TITLE} characters.")
    if len(body or "") > MAX_BODY:
        raise Invalid(f"A decision text has at most {MAX_BODY} characters.")
    org_id = organization.pk
    if circle is not None and circle.organization_id != org_id:
        raise Invalid("The circle belongs to another organization.")
    if supersedes is not None and supersedes.organization_id != org_id:
        raise Invalid("A decision can only supersede one of the same organization.")
    record = _normalise_record(record)
    # Both backends keep microseconds, so the time hashed is the time read back.
    decided_at = decided_at or timezone.now()
    if timezone.is_naive(decided_at):
        raise Invalid("A decision time needs a time zone.")

    with transaction.atomic():
        head, _created = LogHead.objects.select_for_update().get_or_create(organization_id=org_id)
        sequence = head.sequence + 1
        content = decision_content(
            organization_id=org_id,
            sequence=sequence,
            circle_id=circle.pk if circle is not None else None,
            kind=kind,
            title=title,
            body=body or "",
            record=record,
            decided_at=decided_at,
            review_date=review_date,
            term_end=term_end,
            supersedes_id=supersedes.pk if supersedes is not None else None,
        )
        digest = chain_hash(head.hash, content)
        decision = Decision.objects.create(
            organization_id=org_id,
            sequence=sequence,
            circle=circle,
            kind=kind,
            title=title,
            body=body or "",
            record=record,
            decided_at=decided_at,
            review_date=review_date,
            term_end=term_end,
            supersedes=supersedes,
            prev_hash=head.hash,
            hash=digest,
        )
        head.sequence = sequence
        head.hash = digest
        head.save(update_fields=["sequence", "hash"])
    return decision


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head_sequence: int
    head_hash: str
    first_bad: int | None = None
    problem: str = ""


_FIELDS = [
    "sequence",
    "circle_id",
    "kind",
    "title",
    "body",
    "record",
    "decided_at",
    "review_date",
    "term_end",
    "supersedes_id",
    "prev_hash",
    "hash",
]


def verify_log(*, organization_id: int) -> Verification:
    """Recompute every hash of one organization's log and check the sequence.

    Detects an edited entry (its hash no longer matches), a deleted or swapped
    entry (a gap, or a broken ``prev_hash`` link), and a cut tail while the
    log head still names the last entry, and an emptied log whose head says
    entries existed. A tail cut together with the head is only detectable
    against a head hash kept elsewhere (an export, ``verify_decisions --against``).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    rows = (
        Decision.objects.filter(organization_id=organization_id)
        .order_by("sequence")
        .values_list(*_FIELDS)
        .iterator(chunk_size=5000)
    )
    for row in rows:
        entry = dict(zip(_FIELDS, row, strict=True))
        seq = entry["sequence"]
        if seq != expected_seq:
            return _bad(count, expected_prev, expected_seq, f"entry #{expected_seq} is missing")
        if entry["prev_hash"] != expected_prev:
            return _bad(count, expected_prev, seq, f"entry #{seq} does not link to #{seq - 1}")
        content = decision_content(
            organization_id=organization_id,
            sequence=seq,
            circle_id=entry["circle_id"],
            kind=entry["kind"],
            title=entry["title"],
            body=entry["body"],
            record=entry["record"],
            decided_at=entry["decided_at"],
            review_date=entry["review_date"],
            term_end=entry["term_end"],
            supersedes_id=entry["supersedes_id"],
        )
        if chain_hash(entry["prev_hash"], content) != entry["hash"]:
            return _bad(
                count, expected_prev, seq, f"entry #{seq} was changed after it was recorded"
            )
        expected_prev = entry["hash"]
        expected_seq += 1
        count += 1

    head = LogHead.objects.filter(organization_id=organization_id).first()
    head_seq = head.sequence if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if count == 0 and (head_seq or head_hash != GENESIS_HASH):
        # An emptied log (DELETE or TRUNCATE with the triggers dropped) is not
        # a new one: its head still says entries were recorded.
        return _bad(0, GENESIS_HASH, 1, f"the log is empty but its head names entry #{head_seq}")
    if head_seq != count or head_hash != expected_prev:
        return _bad(
            count,
            expected_prev,
            count + 1,
            f"the log head names entry #{head_seq} but the log ends at #{count}",
        )
    return Verification(ok=True, count=count, head_sequence=count, head_hash=expected_prev)


def _bad(count: int, last_hash: str, first_bad: int, problem: str) -> Verification:
    return Verification(
        ok=False,
        count=count,
        head_sequence=count,
        head_hash=last_hash,
        first_bad=first_bad,
        problem=problem,
    )
