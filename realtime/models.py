"""Meetings: an agenda, attendance, minutes, and the live room's connections."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Meeting(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    scheduled_start = models.DateTimeField(_("scheduled start"))
    started = models.DateTimeField(null=True, blank=True)
    ended = models.DateTimeField(null=True, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("facilitator"),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("secretary"),
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A timer for the current step, visible to all; counted down in each page.
    timer_ends = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("general notes"), blank=True)
    minutes = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_start"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "realtime:meeting", kwargs={"org": self.circle.organization.slug, "meeting_id": self.pk}
        )

    def room_url(self) -> str:
        return reverse(
            "realtime:room", kwargs={"org": self.circle.organization.slug, "meeting_id": self.pk}
        )

    @property
    def group_name(self) -> str:
        return f"meeting.{self.pk}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        ELECTION = "election", _("Selection")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    election = models.ForeignKey(
        "elections.Election", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    notes = models.TextField(_("secretary's notes"), blank=True)
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="one_agenda_item_per_position",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="proposal", proposal__isnull=False, election__isnull=True)
                    | Q(kind="election", election__isnull=False, proposal__isnull=True)
                    | Q(kind__in=["report", "other"], proposal__isnull=True, election__isnull=True)
                ),
                name="agenda_item_runs_what_its_kind_says",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def subject(self):
        return self.proposal or self.election


class Attendance(models.Model):
    """Who was present, from ``joined`` to ``left``; the secretary may correct it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined = models.DateTimeField(default=timezone.now)
    left = models.DateTimeField(null=True, blank=True)
    # Marked by the secretary for someone in the physical room without a device.
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["joined"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(left__isnull=True),
                name="one_open_attendance_per_meeting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class Connection(models.Model):
    """One open WebSocket of the room: who is connected right now, across
    every server process (a row per socket, deleted when it closes)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}"
