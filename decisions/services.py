"""Writing and verifying the log. ``record_decision`` is its only writer."""

import json
from dataclasses import dataclass
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import Invalid
from decisions.models import (
    GENESIS_HASH,
    Decision,
    ImportedEntry,
    LogHead,
    _iso_utc,
    chain_hash,
    decision_content,
)

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


#: What a chain that does not verify says, by code: in English in
#: ``Verification.problem`` (the command line's), in the reader's language in
#: ``Verification.message`` (a page's, the API's; a kept result is shown to
#: readers of every language).
PROBLEMS = {
    "missing": gettext_noop("entry #%(seq)s is missing"),
    "unlinked": gettext_noop("entry #%(seq)s does not link to #%(prev)s"),
    "changed": gettext_noop("entry #%(seq)s was changed after it was recorded"),
    "emptied": gettext_noop("the log is empty but its head names entry #%(head)s"),
    "cut": gettext_noop("the log head names entry #%(head)s but the log ends at #%(last)s"),
}


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    head_sequence: int
    head_hash: str
    first_bad: int | None = None
    problem: str = ""
    code: str = ""
    params: tuple = ()

    @property
    def message(self) -> str:
        """``problem`` in the active language."""
        code = getattr(self, "code", "")  # a result kept before codes existed has none
        if code not in PROBLEMS:
            return self.problem
        return _(PROBLEMS[code]) % dict(self.params)


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
    "origin__organization_ref",
    "origin__circle_ref",
    "origin__supersedes_ref",
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
            return _bad(count, expected_prev, expected_seq, "missing", seq=expected_seq)
        if entry["prev_hash"] != expected_prev:
            return _bad(count, expected_prev, seq, "unlinked", seq=seq, prev=seq - 1)
        imported = entry["origin__organization_ref"] is not None
        content = decision_content(
            organization_id=entry["origin__organization_ref"] if imported else organization_id,
            sequence=seq,
            circle_id=entry["origin__circle_ref"] if imported else entry["circle_id"],
            kind=entry["kind"],
            title=entry["title"],
            body=entry["body"],
            record=entry["record"],
            decided_at=entry["decided_at"],
            review_date=entry["review_date"],
            term_end=entry["term_end"],
            supersedes_id=entry["origin__supersedes_ref"] if imported else entry["supersedes_id"],
        )
        if chain_hash(entry["prev_hash"], content) != entry["hash"]:
            return _bad(count, expected_prev, seq, "changed", seq=seq)
        expected_prev = entry["hash"]
        expected_seq += 1
        count += 1

    head = LogHead.objects.filter(organization_id=organization_id).first()
    head_seq = head.sequence if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if count == 0 and (head_seq or head_hash != GENESIS_HASH):
        # An emptied log (DELETE or TRUNCATE with the triggers dropped) is not
        # a new one: its head still says entries were recorded.
        return _bad(0, GENESIS_HASH, 1, "emptied", head=head_seq)
    if head_seq != count or head_hash != expected_prev:
        return _bad(count, expected_prev, count + 1, "cut", head=head_seq, last=count)
    return Verification(ok=True, count=count, head_sequence=count, head_hash=expected_prev)


def _bad(count: int, last_hash: str, first_bad: int, code: str, **params) -> Verification:
    return Verification(
        ok=False,
        count=count,
        head_sequence=count,
        head_hash=last_hash,
        first_bad=first_bad,
        problem=PROBLEMS[code] % params,
        code=code,
        params=tuple(sorted(params.items())),
    )


def import_log(*, organization, entries: list, head: dict, circles: dict) -> LogHead:
    """Write a log exported from another instance into ``organization``, as it was.

    ``entries`` are the export's (``decisions.portable``: each entry's hashed
    content, ``ref``, ``circle_slug``, ``supersedes_sequence``, ``prev_hash``
    and ``hash``), ``head`` its head, ``circles`` this instance's circle ids
    by slug. Nothing of the file is trusted: each entry must follow the last
    one (sequence, ``prev_hash``), its hash must recompute from its content,
    the ids it was hashed with must name the same circle and entry every time,
    and the head must be the last entry. The organization's log must be
    empty: its numbers are the export's. Raises ``Invalid`` naming the first
    entry that fails; the caller's transaction then writes nothing.
    """
    if Decision.objects.filter(organization=organization).exists() or (
        LogHead.objects.filter(organization=organization).exclude(sequence=0).exists()
    ):
        raise Invalid(_("This organization's log already has entries."))
    if not isinstance(entries, list):
        raise Invalid(_("The decision log is not a list of entries."))
    hashes = [
        e.get("hash") for e in entries if isinstance(e, dict) and isinstance(e.get("hash"), str)
    ]
    here = next(
        (
            found
            for start in range(0, len(hashes), 500)
            for found in Decision.objects.filter(hash__in=hashes[start : start + 500])
            .select_related("organization")
            .order_by()[:1]
        ),
        None,
    )
    if here is not None:
        # A hash is unique on a site: this log lives here already.
        raise Invalid(
            _("This log is already on this site: it is the log of %(name)s.")
            % {"name": here.organization.name}
        )
    expected_prev, expected_seq = GENESIS_HASH, 1
    origin_org = None
    circle_refs: dict[str, int] = {}  # slug -> the id it was hashed with
    refs_seen: dict[int, str] = {}
    own_refs: dict[int, int] = {}  # sequence -> the id it was hashed as
    pks: dict[int, int] = {}  # sequence -> id here
    own_seen: set[int] = set()
    batch: list[tuple[Decision, ImportedEntry]] = []

    def write() -> None:
        # In sequence order, a thousand at a time (bulk_create skips
        # Decision.save, which only refuses updates; the triggers allow inserts).
        Decision.objects.bulk_create([decision for decision, _origin in batch])
        for decision, origin in batch:
            origin.decision_id = decision.pk
            pks[decision.sequence] = decision.pk
        ImportedEntry.objects.bulk_create([origin for _decision, origin in batch])
        batch.clear()

    for entry in entries:
        if not isinstance(entry, dict):
            raise Invalid(_("An entry of the log is not an object."))
        seq = entry.get("sequence")
        if seq != expected_seq:
            raise Invalid(_("The log's entry #%(seq)s is missing.") % {"seq": expected_seq})
        if entry.get("prev_hash") != expected_prev:
            raise Invalid(
                _("Entry #%(seq)s does not link to #%(prev)s: the chain is broken.")
                % {"seq": seq, "prev": seq - 1}
            )
        content = {
            key: entry.get(key)
            for key in (
                "organization", "sequence", "circle", "kind", "title", "body", "record",
                "decided_at", "review_date", "term_end", "supersedes",
            )
        }  # fmt: skip
        if chain_hash(expected_prev, content) != entry.get("hash"):
            raise Invalid(
                _("Entry #%(seq)s does not match its hash: the chain does not verify.")
                % {"seq": seq}
            )
        # The hash holds; now the values must be what this instance stores.
        if content["kind"] not in Decision.Kind.values:
            raise Invalid(_("Entry #%(seq)s: unknown kind.") % {"seq": seq})
        if not isinstance(content["title"], str) or not content["title"].strip():
            raise Invalid(_("Entry #%(seq)s has no title.") % {"seq": seq})
        if len(content["title"]) > MAX_TITLE or len(content["body"] or "") > MAX_BODY:
            raise Invalid(_("Entry #%(seq)s is too long.") % {"seq": seq})
        if not isinstance(content["record"], dict):
            raise Invalid(_("Entry #%(seq)s: its record is not a mapping.") % {"seq": seq})
        if origin_org is None:
            origin_org = content["organization"]
        if content["organization"] != origin_org or not isinstance(origin_org, int):
            raise Invalid(_("Entry #%(seq)s names another organization.") % {"seq": seq})
        try:
            decided_at = datetime.fromisoformat(content["decided_at"])
            review_date = _date(content["review_date"])
            term_end = _date(content["term_end"])
        except (TypeError, ValueError):
            raise Invalid(_("Entry #%(seq)s: a date is malformed.") % {"seq": seq}) from None
        if timezone.is_naive(decided_at) or _iso_utc(decided_at) != content["decided_at"]:
            raise Invalid(
                _("Entry #%(seq)s: its time is not written as the hash covers it.") % {"seq": seq}
            )
        slug = entry.get("circle_slug")
        circle_id = None
        if (slug is None) != (content["circle"] is None):
            raise Invalid(
                _("Entry #%(seq)s: its circle is named one way and hashed another.") % {"seq": seq}
            )
        if slug is not None:
            if slug not in circles:
                raise Invalid(
                    _("Entry #%(seq)s names a circle (%(slug)s) the document does not hold.")
                    % {"seq": seq, "slug": slug}
                )
            if circle_refs.setdefault(slug, content["circle"]) != content["circle"] or (
                refs_seen.setdefault(content["circle"], slug) != slug
            ):
                raise Invalid(
                    _("Entry #%(seq)s: its circle %(slug)s was hashed under another id.")
                    % {"seq": seq, "slug": slug}
                )
            circle_id = circles[slug]
        supersedes_seq = entry.get("supersedes_sequence")
        if (supersedes_seq is None) != (content["supersedes"] is None):
            raise Invalid(
                _("Entry #%(seq)s: what it supersedes is named one way and hashed another.")
                % {"seq": seq}
            )
        if supersedes_seq is not None and own_refs.get(supersedes_seq) != content["supersedes"]:
            raise Invalid(
                _("Entry #%(seq)s supersedes an entry that is not the one it was hashed with.")
                % {"seq": seq}
            )
        own = entry.get("ref")
        if not isinstance(own, int) or own in own_seen:
            raise Invalid(_("Entry #%(seq)s has no id of its own.") % {"seq": seq})
        if supersedes_seq is not None and supersedes_seq not in pks:
            write()  # what it supersedes must have its id here first
        batch.append(
            (
                Decision(
                    organization=organization,
                    sequence=seq,
                    circle_id=circle_id,
                    kind=content["kind"],
                    title=content["title"],
                    body=content["body"] or "",
                    record=content["record"],
                    decided_at=decided_at,
                    review_date=review_date,
                    term_end=term_end,
                    supersedes_id=pks.get(supersedes_seq),
                    prev_hash=expected_prev,
                    hash=entry["hash"],
                ),
                ImportedEntry(
                    organization_ref=origin_org,
                    circle_ref=content["circle"],
                    supersedes_ref=content["supersedes"],
                    own_ref=own,
                ),
            )
        )
        if len(batch) >= 1000:
            write()
        own_refs[seq] = own
        own_seen.add(own)
        expected_prev = entry["hash"]
        expected_seq += 1
    write()
    if (
        not isinstance(head, dict)
        or head.get("sequence") != expected_seq - 1
        or (head.get("hash") != expected_prev)
    ):
        raise Invalid(
            _("The log's head is not its last entry: the log was cut or the head changed.")
        )
    log_head, _created = LogHead.objects.select_for_update().get_or_create(
        organization=organization
    )
    log_head.sequence = expected_seq - 1
    log_head.hash = expected_prev
    log_head.save(update_fields=["sequence", "hash"])
    result = verify_log(organization_id=organization.pk)
    if not result.ok:  # pragma: no cover - the checks above are the same
        raise Invalid(
            _("The imported log does not verify: %(problem)s.") % {"problem": result.message}
        )
    return log_head


def _date(value):
    return date.fromisoformat(value) if value is not None else None
