"""Tensions: what someone of the organization brings to a circle, and its route.

A ``Tension`` sits in one circle's backlog (``circle``) until a member of that
circle takes it (a draft proposal, a selection, an agenda item) or answers it,
or forwards it to the circle whose domain it is. ``raised_on`` keeps the
circle the person chose, or None for "I don't know which" (the tension then
starts in the root circle's backlog). Every step is a ``TensionEvent`` row:
its whole history, with who and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tension(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        TAKEN = "taken", _("Taken")
        ANSWERED = "answered", _("Answered")

    class Outcome(models.TextChoices):
        PROPOSAL = "proposal", _("A draft proposal")
        SELECTION = "selection", _("A selection")
        AGENDA_ITEM = "agenda_item", _("An agenda item")
        ANSWER = "answer", _("An answer")

    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.PROTECT, related_name="tensions"
    )
    #: The backlog it is in now.
    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="tensions")
    #: The circle the person raised it on; None: "I don't know which".
    raised_on = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tensions"
    )
    raised = models.DateTimeField(default=timezone.now)
    #: When it came into its current backlog (raised, forwarded, escalated):
    #: the routing deadline counts from here.
    arrived = models.DateTimeField(default=timezone.now)
    title = models.CharField(_("title"), max_length=200)
    what_is = models.TextField(_("what is"))
    what_should_be = models.TextField(_("what should be"), blank=True)
    affected = models.TextField(_("who is affected"), blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    #: What it became once taken or answered.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    election = models.ForeignKey(
        "elections.Election", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agenda_item = models.ForeignKey(
        "realtime.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    closed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised"]
        verbose_name = _("tension")
        verbose_name_plural = _("tensions")
        indexes = [models.Index(fields=["state", "arrived"])]
        constraints = [
            # The state and what it became go together.
            models.CheckConstraint(
                condition=Q(state="open", outcome="", closed__isnull=True)
                | Q(
                    state="taken",
                    outcome__in=["proposal", "selection", "agenda_item"],
                    closed__isnull=False,
                )
                | Q(state="answered", outcome="answer", closed__isnull=False),
                name="tension_state_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tensions:detail", kwargs={"org": self.organization.slug, "pk": self.pk})

    @property
    def unsure(self) -> bool:
        """Raised on "I don't know which" circle."""
        return self.raised_on_id is None

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class TensionEvent(models.Model):
    class Action(models.TextChoices):
        RAISED = "raised", _("Raised")
        FORWARDED = "forwarded", _("Forwarded")
        ESCALATED = "escalated", _("Moved up (nobody routed it in time)")
        TAKEN = "taken", _("Taken")
        ANSWERED = "answered", _("Answered")

    tension = models.ForeignKey(Tension, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: A forward to a sibling goes through the parent: the circle it went by.
    via_circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=Tension.Outcome.choices, blank=True)
    #: Who took the step; None for the scheduled job (an escalation).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("tension event")
        verbose_name_plural = _("tension events")

    def __str__(self) -> str:
        return f"{self.tension_id} {self.action}"
