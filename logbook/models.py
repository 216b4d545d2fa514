"""The reading side of the log: rows that index or annotate decisions.

None of them is part of the hash chain; the log core (``decisions``) never
writes them. They were ``decisions`` models and keep their tables
(``decisions_*``): migration 0001 moved them here in Django's state only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from decisions.models import Decision


class DecisionPerson(models.Model):
    """Who a decision names, and how: an index built from the records.

    Filled lazily by ``logbook.selectors.ensure_person_index`` from the
    process records (docs/RECORDS.md), so the log core never writes it.
    """

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("took part")
        OBJECTOR = "objector", _("objected")
        SELECTED = "selected", _("was selected")
        AUTHOR = "author", _("acted or proposed")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="people")
    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user_id = models.BigIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        db_table = "decisions_decisionperson"
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "user_id", "role"], name="one_person_role_per_decision"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "user_id", "role"], name="decision_person_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.user_id} {self.role}"


class PersonIndexState(models.Model):
    """Up to which sequence an organization's DecisionPerson index is built."""

    organization = models.OneToOneField(
        "circles.Organization", on_delete=models.CASCADE, related_name="person_index"
    )
    sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "decisions_personindexstate"

    def __str__(self) -> str:
        return f"{self.organization_id}: indexed to #{self.sequence}"


class FeedToken(models.Model):
    """A private URL for one member's feeds and exports; revocable."""

    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.CASCADE, related_name="feed_tokens"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="feed_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "decisions_feedtoken"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"feed token {self.pk} of {self.user_id}"


class ReviewReminder(models.Model):
    """One reminder email per (decision, kind): the daily command is idempotent."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("review date")
        TERM_END = "term_end", _("term end")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent = models.DateTimeField()
    recipients = models.JSONField(default=list)

    class Meta:
        db_table = "decisions_reviewreminder"
        constraints = [
            models.UniqueConstraint(fields=["decision", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.kind}"
