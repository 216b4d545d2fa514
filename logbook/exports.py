"""Exports of a log: JSON (with the hash chain), CSV and Markdown.

The JSON export carries every hashed field exactly as the hash covers it
(``Decision.content()``), each entry's ``prev_hash`` and ``hash``, and the log
head (sequence and hash) at the time of the export. Whoever keeps the file can
later run ``manage.py verify_decisions --against FILE`` (or the API) to learn
whether the live log still contains that copy unchanged (``decisions.copies``,
part of the log core's verification).
"""

import csv
import json
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.copies import FORMAT
from decisions.models import Decision
from logbook.selectors import all_entries, log_head

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


def header(organization, *, circle=None, filters=None) -> dict:
    head_sequence, head_hash = log_head(organization)
    return {
        "format": FORMAT,
        "organization": {
            "id": organization.pk,
            "slug": organization.slug,
            "name": organization.name,
        },
        "circle": circle.slug if circle is not None else None,
        # The log page's filters the export was asked with (empty: the whole log).
        "filters": filters.as_query() if filters is not None else {},
        "exported_at": timezone.now().isoformat(),
        "head": {"sequence": head_sequence, "hash": head_hash},
    }


def json_chunks(organization, *, circle_filters=None, circle=None) -> Iterator[str]:
    """The JSON export, streamed: the header, then one entry at a time."""
    head = header(organization, circle=circle, filters=circle_filters)
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
    # Every field quoted: a spreadsheet set to read ";" as the separator (the
    # French default) would otherwise split a title or text containing one.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
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
