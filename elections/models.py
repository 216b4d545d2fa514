"""Selections without candidates.

An ``Election`` fills one role of a circle: nominations with reasons (hidden
until shown all at once), a change round, a proposal by the facilitator, and
a consent round in which the nominee speaks last. The consent rounds are
``proposals.models.Round`` rows whose subject is the election. Every step is
an ``ElectionEvent``; the outcome is a decision of kind ``selection``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Election(models.Model):
    class State(models.TextChoices):
        SETUP = "setup", _("Setting up")
        NOMINATING = "nominating", _("Nominating")
        NOMINATIONS_SHOWN = "nominations_shown", _("Nominations shown")
        CHANGING = "changing", _("Change round")
        PROPOSING = "proposing", _("Proposing")
        CONSENT = "consent", _("Consent round")
        ELECTED = "elected", _("Elected")
        CANCELLED = "cancelled", _("Cancelled")

    CLOSED_STATES = (State.ELECTED, State.CANCELLED)

    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="elections")
    role = models.ForeignKey("circles.Role", on_delete=models.PROTECT, related_name="elections")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SETUP)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    # Set once, when the facilitator shows every nomination at once.
    nominations_shown = models.DateTimeField(null=True, blank=True)
    # The proposal on the table (the last one made).
    proposed_nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_term_end = models.DateField(_("proposed term end"), null=True, blank=True)
    proposal_reason = models.TextField(_("reasons for the proposal"), blank=True)
    proposal_number = models.PositiveSmallIntegerField(default=0)
    # The outcome.
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignment = models.ForeignKey(
        "circles.RoleAssignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # A change of the role (and/or the term) on the table during the setup: a
    # small consent step of its own. ``role_change`` holds what would change
    # (only the changed keys, before and after) and the reason; the round is
    # the last consent round opened on it.
    role_change = models.JSONField(_("proposed change of the role"), null=True, blank=True)
    role_change_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role_change_round = models.ForeignKey(
        "proposals.Round", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")), name="election_term_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(proposed_term_end__isnull=True)
                | Q(proposed_term_end__gt=F("term_start")),
                name="election_proposed_term_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state="elected") | Q(decision__isnull=False),
                name="elected_election_has_its_decision",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""),
                name="cancelled_election_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(role_change__isnull=True, role_change_by__isnull=True)
                | Q(role_change__isnull=False, role_change_by__isnull=False),
                name="election_role_change_has_its_author",
            ),
            models.CheckConstraint(
                condition=Q(role_change__isnull=True) | Q(state="setup"),
                name="election_role_change_only_in_setup",
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=~Q(state__in=["elected", "cancelled"]),
                name="one_open_election_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role.name} ({self.circle.name})"

    def get_absolute_url(self) -> str:
        return reverse(
            "elections:election", kwargs={"org": self.circle.organization.slug, "pk": self.pk}
        )

    @property
    def is_open(self) -> bool:
        return self.state not in self.CLOSED_STATES

    @property
    def are_nominations_shown(self) -> bool:
        return self.nominations_shown is not None


class Nomination(models.Model):
    """One participant names one person of the circle, with a reason.

    Round 1 is the nominating round; round 2 is the change round (kept or
    changed, with a reason for a change).
    """

    class Round(models.IntegerChoices):
        NOMINATING = 1, _("Nominations")
        CHANGE = 2, _("Change round")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="nominations")
    round = models.PositiveSmallIntegerField(choices=Round.choices)
    nominator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    # Recorded by the facilitator or the meeting's secretary for a member
    # present without a device (the nomination is the nominator's).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["election", "round", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "round", "nominator"],
                name="one_nomination_per_nominator_per_round",
            ),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="nomination_round_1_or_2"),
            # A first-round nomination always says why.
            models.CheckConstraint(
                condition=~Q(round=1) | ~Q(reason=""), name="nomination_needs_a_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nominator} → {self.nominee} ({self.round})"


class ElectionEvent(models.Model):
    """One step of a selection, who took it and when (the process record)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, choices=Election.State.choices)
    to_state = models.CharField(max_length=20, choices=Election.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class TermReminder(models.Model):
    """The one reminder sent for a role assignment whose term ends soon."""

    assignment = models.OneToOneField(
        "circles.RoleAssignment", on_delete=models.PROTECT, related_name="+"
    )
    sent = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"reminder for assignment {self.assignment_id}"
