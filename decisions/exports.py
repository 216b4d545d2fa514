"""Exports of a log: JSON (with the hash chain), CSV and Markdown; and the
check of a kept JSON copy against the live log.

The JSON export carries every hashed field exactly as the hash covers it
(``Decision.content()``), each entry's ``prev_hash`` and ``hash``, and the log
head (sequence and hash) at the time of the export. Whoever keeps the file can
later run ``manage.py verify_decisions --against FILE`` (or the API) to learn
whether the live log still contains that copy unchanged.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.models import GENESIS_HASH, Decision, LogHead, chain_hash
from decisions.selectors import all_entries, log_head

FORMAT = "cercle-decision-log/1"
CSV_FIELDS = [
    "sequence",
    "decided_at",
    "circle",
    "kind",
    "title",
    "body",
    "review_date",
    "term_end",
    "supersedes",
    "superseded_by",
    "prev_hash",
    "hash",
]


def entry_json(decision: Decision) -> dict:
    content = decision.content()
    return {
        **content,
        "circle_slug": decision.circle.slug if decision.circle_id else None,
        "supersedes_sequence": decision.supersedes.sequence if decision.supersedes_id else None,
        "superseded_by_sequence": getattr(decision, "successor", None),
        "prev_hash": decision.prev_hash,
        "hash": decision.hash,
    }


def header(organization, *, circle=None) -> dict:
    head_sequence, head_hash = log_head(organization)
    return {
        "format": FORMAT,
        "organization": {
            "id": organization.pk,
            "slug": organization.slug,
            "name": organization.name,
        },
        "circle": circle.slug if circle is not None else None,
        "exported_at": timezone.now().isoformat(),
        "head": {"sequence": head_sequence, "hash": head_hash},
    }


def json_chunks(organization, *, circle_filters=None, circle=None) -> Iterator[str]:
    """The JSON export, streamed: the header, then one entry at a time."""
    head = header(organization, circle=circle)
    yield json.dumps(head, ensure_ascii=False, cls=DjangoJSONEncoder)[:-1] + ', "entries": ['
    first = True
    for decision in all_entries(organization, circle_filters).iterator(chunk_size=2000):
        prefix = "" if first else ","
        first = False
        yield (
            prefix
            + "\n"
            + json.dumps(entry_json(decision), ensure_ascii=False, cls=DjangoJSONEncoder)
        )
    yield "\n]}\n"


def json_document(organization, **kwargs) -> dict:
    return json.loads("".join(json_chunks(organization, **kwargs)))


class _Echo:
    def write(self, value):
        return value


def csv_chunks(organization, *, circle_filters=None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_FIELDS)
    for d in all_entries(organization, circle_filters).iterator(chunk_size=2000):
        yield writer.writerow(
            [
                d.sequence,
                d.decided_at.isoformat(),
                d.circle.slug if d.circle_id else "",
                d.kind,
                _csv_safe(d.title),
                _csv_safe(d.body),
                d.review_date.isoformat() if d.review_date else "",
                d.term_end.isoformat() if d.term_end else "",
                d.supersedes.sequence if d.supersedes_id else "",
                d.successor or "",
                d.prev_hash,
                d.hash,
            ]
        )


def _csv_safe(text: str) -> str:
    """Defuse spreadsheet formulas (CSV injection): a leading = + - @ is quoted."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _people(items) -> str:
    names = [p.get("name", "?") for p in items or [] if isinstance(p, dict)]
    return ", ".join(names)


def markdown_chunks(organization, *, circle_filters=None, circle=None) -> Iterator[str]:
    """Readable, minutes-style: one section per decision, oldest first."""
    head_sequence, head_hash = log_head(organization)
    title = organization.name + (f" — {circle.name}" if circle is not None else "")
    yield f"# {_('Decision log')}: {title}\n\n"
    yield (
        _("Exported on %(date)s. Log head: #%(seq)s, hash `%(hash)s`.")
        % {
            "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "seq": head_sequence,
            "hash": head_hash,
        }
        + "\n\n"
    )
    for d in all_entries(organization, circle_filters).iterator(chunk_size=2000):
        lines = [f"## #{d.sequence} — {d.title}", ""]
        meta = [
            f"**{_('Kind')}:** {d.get_kind_display()}",
            f"**{_('Decided')}:** {timezone.localtime(d.decided_at).strftime('%Y-%m-%d %H:%M')}",
        ]
        if d.circle_id:
            meta.append(f"**{_('Circle')}:** {d.circle.name}")
        if d.review_date:
            meta.append(f"**{_('Review date')}:** {d.review_date.isoformat()}")
        if d.term_end:
            meta.append(f"**{_('Term end')}:** {d.term_end.isoformat()}")
        if d.supersedes_id:
            meta.append(f"**{_('Supersedes')}:** #{d.supersedes.sequence}")
        if d.successor:
            meta.append(f"**{_('Superseded by')}:** #{d.successor}")
        lines += [" · ".join(meta), ""]
        if d.body:
            lines += [d.body, ""]
        record = d.record if isinstance(d.record, dict) else {}
        if record.get("participants"):
            lines.append(f"- {_('Participants')}: {_people(record['participants'])}")
        for objection in record.get("objections") or []:
            if isinstance(objection, dict):
                who = (objection.get("member") or {}).get("name", "?")
                lines.append(
                    f"- {_('Objection')} ({who}): {objection.get('reason', '')} → "
                    f"{objection.get('state', '')} {objection.get('resolution', '')}".rstrip()
                )
        for concern in record.get("concerns") or []:
            if isinstance(concern, dict):
                who = (concern.get("member") or {}).get("name", "?")
                lines.append(f"- {_('Concern')} ({who}): {concern.get('text', '')}")
        if isinstance(record.get("person"), dict):
            lines.append(f"- {_('Person')}: {record['person'].get('name', '?')}")
        lines += ["", f"`{d.hash}`", "", ""]
        yield "\n".join(lines)


# Checking a kept copy ---------------------------------------------------------------


@dataclass(frozen=True)
class CopyCheck:
    ok: bool
    entries: int
    head_sequence: int
    problem: str = ""
    first_bad: int | None = None


_CONTENT_KEYS = [
    "organization",
    "sequence",
    "circle",
    "kind",
    "title",
    "body",
    "record",
    "decided_at",
    "review_date",
    "term_end",
    "supersedes",
]


def check_copy(organization, document: dict) -> CopyCheck:
    """Does the live log still contain this exported copy unchanged?

    Checks the copy is itself consistent (each hash recomputes from its
    content), then that the live log has each entry with the same content and
    hashes, and that the live entry at the exported head's sequence has the
    exported head hash (so a tail cut together with a rewritten head shows).
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return CopyCheck(False, 0, 0, _("This file is not a Cercle decision log export."))
    exported_org = (document.get("organization") or {}).get("slug")
    if exported_org != organization.slug:
        return CopyCheck(
            False,
            0,
            0,
            _("This export is of another organization (%(slug)s).") % {"slug": exported_org},
        )
    head = document.get("head") or {}
    head_seq, head_hash = head.get("sequence"), head.get("hash")
    entries = document.get("entries")
    if not isinstance(entries, list) or not isinstance(head_seq, int):
        return CopyCheck(False, 0, 0, _("The export has no entries or no head."))

    for entry in entries:
        seq = entry.get("sequence")
        content = {key: entry.get(key) for key in _CONTENT_KEYS}
        if chain_hash(entry.get("prev_hash", ""), content) != entry.get("hash"):
            return CopyCheck(
                False, len(entries), head_seq,
                _("The copy itself is damaged at entry #%(seq)s.") % {"seq": seq}, seq,
            )  # fmt: skip

    wanted = [e["sequence"] for e in entries if isinstance(e.get("sequence"), int)]
    if head_seq:
        wanted.append(head_seq)
    live = {
        d.sequence: d
        for d in Decision.objects.filter(organization=organization, sequence__in=set(wanted))
    }
    for entry in entries:
        seq = entry["sequence"]
        current = live.get(seq)
        if current is None:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s of the copy is missing from the live log.") % {"seq": seq}, seq,
            )  # fmt: skip
        if current.hash != entry["hash"] or current.prev_hash != entry["prev_hash"]:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s differs from the copy (its hash changed).") % {"seq": seq}, seq,
            )  # fmt: skip
        if chain_hash(current.prev_hash, current.content()) != current.hash:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s was changed in the live log after the export.") % {"seq": seq},
                seq,
            )  # fmt: skip
    if head_seq:
        at_head = live.get(head_seq)
        if at_head is None:
            return CopyCheck(
                False, len(entries), head_seq,
                _("The live log no longer reaches the exported head (#%(seq)s).") % {
                    "seq": head_seq
                },
                head_seq,
            )  # fmt: skip
        if at_head.hash != head_hash:
            return CopyCheck(
                False, len(entries), head_seq,
                _("The live entry #%(seq)s does not have the exported head hash.") % {
                    "seq": head_seq
                },
                head_seq,
            )  # fmt: skip
    live_head = LogHead.objects.filter(organization=organization).first()
    if live_head is None and head_seq:
        return CopyCheck(False, len(entries), head_seq, _("The live log has no head."), head_seq)
    if head_seq == 0 and head_hash not in (None, GENESIS_HASH):
        return CopyCheck(False, len(entries), head_seq, _("The exported head is malformed."))
    return CopyCheck(True, len(entries), head_seq)


def csv_text(organization, **kwargs) -> str:
    buffer = io.StringIO()
    for chunk in csv_chunks(organization, **kwargs):
        buffer.write(chunk)
    return buffer.getvalue()
