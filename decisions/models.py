"""The logbook: append-only, hash-chained decisions.

The log core (this module and ``services``) imports no other app of the
project: organizations and circles are referenced by string foreign keys.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """A decision was about to be changed or deleted: the log is append-only."""


class Decision(models.Model):
    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy")
        SELECTION = "selection", _("Selection")
        APPOINTMENT = "appointment", _("Appointment")
        STRUCTURE = "structure", _("Structure")
        MINUTES = "minutes", _("Minutes")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.PROTECT, related_name="decisions"
    )
    sequence = models.PositiveBigIntegerField(_("number"))
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, related_name="decisions", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text decided"), blank=True)
    record = models.JSONField(_("process record"), default=dict, encoder=DjangoJSONEncoder)
    decided_at = models.DateTimeField(_("decided at"))
    review_date = models.DateField(_("review date"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["organization", "-sequence"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="one_decision_per_sequence"
            ),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="sequence_from_one"),
        ]
        indexes = [
            models.Index(fields=["circle", "-sequence"], name="decision_circle_seq"),
            models.Index(
                fields=["organization", "kind", "-sequence"], name="decision_org_kind_seq"
            ),
            models.Index(fields=["organization", "review_date"], name="decision_org_review"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.title}"

    # Append-only: the model refuses updates and deletes; the database
    # triggers (migration 0002) refuse them for raw SQL and querysets too.
    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Decisions are append-only; supersede with a new entry.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "logbook:detail", kwargs={"org": self.organization.slug, "seq": self.sequence}
        )

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Decisions are append-only; supersede with a new entry.")

    def hashed_ids(self) -> tuple[int, int | None, int | None, int]:
        """The ids the hash covers: (organization, circle, supersedes, own).

        The entry's own ids, or, for an entry imported from another Cercle
        instance, the ids it was recorded with there (``ImportedEntry``).
        """
        try:
            origin = self.origin
        except ImportedEntry.DoesNotExist:
            return self.organization_id, self.circle_id, self.supersedes_id, self.pk
        return origin.organization_ref, origin.circle_ref, origin.supersedes_ref, origin.own_ref

    def content(self) -> dict:
        organization_id, circle_id, supersedes_id, _own = self.hashed_ids()
        return decision_content(
            organization_id=organization_id,
            sequence=self.sequence,
            circle_id=circle_id,
            kind=self.kind,
            title=self.title,
            body=self.body,
            record=self.record,
            decided_at=self.decided_at,
            review_date=self.review_date,
            term_end=self.term_end,
            supersedes_id=supersedes_id,
        )

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.content())


class ImportedEntry(models.Model):
    """The ids an imported entry was hashed with, on the instance that recorded it.

    The hash of an entry covers its organization's, circle's and superseded
    entry's ids (``decision_content``). An organization moved from another
    Cercle instance keeps its log as it was recorded (same numbers, hashes
    and records) but its rows get this instance's ids; this row keeps the
    ids of the instance it was recorded on (``own_ref``: the id later entries
    there named it by), so the hash still recomputes. Written only by
    ``decisions.services.import_log``; an edit of it breaks verification.
    """

    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, primary_key=True, related_name="origin"
    )
    organization_ref = models.PositiveBigIntegerField()
    circle_ref = models.PositiveBigIntegerField(null=True, blank=True)
    supersedes_ref = models.PositiveBigIntegerField(null=True, blank=True)
    own_ref = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.decision_id} (was {self.own_ref})"


class LogHead(models.Model):
    """The last sequence number and hash of an organization's log.

    ``record_decision`` locks this row, so two writers queue for the next
    number; ``verify`` compares it with the last entry, so a cut tail shows.
    """

    organization = models.OneToOneField(
        "circles.Organization", on_delete=models.PROTECT, related_name="log_head"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.organization_id}: #{self.sequence} {self.hash[:12]}"


def _iso_utc(value) -> str | None:
    if value is None:
        return None
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decision_content(
    *,
    organization_id,
    sequence,
    circle_id,
    kind,
    title,
    body,
    record,
    decided_at,
    review_date,
    term_end,
    supersedes_id,
) -> dict:
    """What the hash covers: every field of the entry but its own hashes."""
    return {
        "organization": organization_id,
        "sequence": sequence,
        "circle": circle_id,
        "kind": kind,
        "title": title,
        "body": body,
        "record": record,
        "decided_at": _iso_utc(decided_at),
        "review_date": review_date.isoformat() if review_date else None,
        "term_end": term_end.isoformat() if term_end else None,
        "supersedes": supersedes_id,
    }


def canonical_json(data) -> bytes:
    """Sorted keys, fixed separators, UTF-8: the same bytes on every backend."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode("utf-8")


def chain_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(content)).hexdigest()
