"""The decision log's part of an organization's export (``core.portable``).

Every entry is written as its hash covers it (``Decision.content()``: the
organization's, circle's and superseded entry's ids of the instance that
recorded it), with its own id there (``ref``), the circle's slug and the
superseded entry's sequence (what this instance needs), ``prev_hash`` and
``hash``; then the log head. The section is a decision-log export of its own
(``decisions.copies.FORMAT``), so ``verify_decisions --against`` reads it.

Import goes through ``services.import_log``, which recomputes every hash and
link before it writes an entry: the file is never trusted.
"""

from django.utils.translation import gettext as _

from decisions.copies import FORMAT, LOG_SECTION
from decisions.models import GENESIS_HASH, Decision, LogHead

KEY = LOG_SECTION


def entry_json(decision: Decision) -> dict:
    content = decision.content()
    return {
        **content,
        "ref": decision.hashed_ids()[3],
        "circle_slug": decision.circle.slug if decision.circle_id else None,
        "supersedes_sequence": decision.supersedes.sequence if decision.supersedes_id else None,
        "prev_hash": decision.prev_hash,
        "hash": decision.hash,
    }


class LogPart:
    key = KEY
    order = 20

    def collect(self, organization, refs) -> None:
        for pk, sequence in Decision.objects.filter(organization=organization).values_list(
            "pk", "sequence"
        ):
            refs.name(Decision, pk, sequence)

    def dump(self, organization, refs) -> dict:
        head = LogHead.objects.filter(organization=organization).first()
        entries = (
            Decision.objects.filter(organization=organization)
            .select_related("circle", "supersedes", "origin")
            .order_by("sequence")
        )
        return {
            "format": FORMAT,
            "head": {
                "sequence": head.sequence if head else 0,
                "hash": head.hash if head else GENESIS_HASH,
            },
            "entries": [entry_json(d) for d in entries.iterator(chunk_size=2000)],
        }

    def load(self, organization, data, refs) -> None:
        from core.errors import Invalid
        from core.portable import Refused
        from decisions.services import import_log

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise Refused(_("The document's decision log is missing or of another format."))
        # The circles are a string foreign key: their model, not their app.
        circle_model = Decision._meta.get_field("circle").related_model
        circles = dict(
            circle_model.objects.filter(organization=organization).values_list("slug", "pk")
        )
        try:
            import_log(
                organization=organization,
                entries=data.get("entries"),
                head=data.get("head"),
                circles=circles,
            )
        except Invalid as exc:
            raise Refused(exc.message) from None
        for pk, sequence in Decision.objects.filter(organization=organization).values_list(
            "pk", "sequence"
        ):
            refs.got(Decision, sequence, pk)

    def schema(self) -> dict:
        nullable_int = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
        nullable_date = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
        entry = {
            "type": "object",
            "additionalProperties": False,
            "required": [
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
                "ref",
                "circle_slug",
                "supersedes_sequence",
                "prev_hash",
                "hash",
            ],
            "properties": {
                "organization": {
                    "type": "integer",
                    "description": "hashed: the id it was recorded under",
                },
                "sequence": {"type": "integer", "minimum": 1},
                "circle": {
                    **nullable_int,
                    "description": "hashed: the circle's id where it was recorded",
                },
                "kind": {"enum": list(Decision.Kind.values)},
                "title": {"type": "string", "minLength": 1, "maxLength": 300},
                "body": {"type": "string"},
                "record": {"type": "object", "description": "the process record (docs/RECORDS.md)"},
                "decided_at": {"type": "string", "format": "date-time"},
                "review_date": nullable_date,
                "term_end": nullable_date,
                "supersedes": {**nullable_int, "description": "hashed: the superseded entry's id"},
                "ref": {
                    "type": "integer",
                    "description": "the entry's own id where it was recorded",
                },
                "circle_slug": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "supersedes_sequence": nullable_int,
                "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
        }
        return {
            "type": "object",
            "description": "The whole decision log, as hashed, and its head",
            "additionalProperties": False,
            "required": ["format", "head", "entries"],
            "properties": {
                "format": {"const": FORMAT},
                "head": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["sequence", "hash"],
                    "properties": {
                        "sequence": {"type": "integer", "minimum": 0},
                        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
                "entries": {"type": "array", "items": entry},
            },
        }
