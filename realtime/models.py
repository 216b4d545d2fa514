"""Meetings: an agenda, attendance, minutes, and the live room's connections."""

from datetime import timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: A meeting lasts this long in calendars (it has no planned end).
MEETING_DURATION = timedelta(hours=2)


class Meeting(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

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
    #: The invitation's iCalendar SEQUENCE: 0 when scheduled, one more for
    #: each change of time (and for the cancellation), so calendars apply it.
    sequence = models.PositiveIntegerField(default=0)

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

    def group_for(self, language: str) -> str:
        return group_for(self.pk, language)

    @property
    def planned_end(self):
        """When calendars show it ending: its end, else ``DURATION`` after its start."""
        return self.ended or self.scheduled_start + MEETING_DURATION


def user_group(user_id: int) -> str:
    """The channel group of one person's sockets, whatever the meeting: what
    concerns them alone (their bell) is pushed there (``core.push``)."""
    return f"user.{user_id}"


def group_for(meeting_id: int, language: str) -> str:
    """The channel group of a meeting's sockets in one language: each change
    is rendered once per language and sent to that language's group."""
    return f"meeting.{meeting_id}.{language}"


#: The agenda item kinds of the meeting's frame: rounds of the meeting itself
#: (the round engine of ``proposals.rounds`` with the item as its subject).
FRAME_KINDS = ("opening", "agenda_consent", "minutes_consent", "closing")


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        ELECTION = "election", _("Selection")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")
        # The frame (realtime/frame.py): rounds of the meeting itself.
        OPENING = "opening", _("Opening round")
        AGENDA_CONSENT = "agenda_consent", _("Consent to the agenda")
        MINUTES_CONSENT = "minutes_consent", _("Consent to the previous minutes")
        CLOSING = "closing", _("Closing round")

    class Outcome(models.TextChoices):
        """How an item ended (set when the meeting moves on from it, and at
        close): what the minutes say of it."""

        DECIDED = "decided", _("Decided")
        SELECTED = "selected", _("Selection decided")
        SELECTION_OPENED = "selection_opened", _("Selection opened, not finished")
        DEFERRED = "deferred", _("Deferred to the next meeting")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Selection cancelled")
        NOTED = "noted", _("Noted")
        CONSENTED = "consented", _("Consented")
        SKIPPED = "skipped", _("Not held")

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
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    #: The draft agenda's key (``core.agenda.DueItem.key``) of the due item
    #: this item was added from, if any: it is not proposed again.
    source_key = models.CharField(max_length=200, blank=True)
    notes = models.TextField(_("secretary's notes"), blank=True)
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done = models.DateTimeField(null=True, blank=True)
    #: A consent to the previous minutes: the minutes it asks consent to.
    minutes_of = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: What a frame item keeps beside its rounds: for the consent to the
    #: agenda, the agenda each round was on (``{"agendas": {round id: [titles]}}``).
    frame = models.JSONField(default=dict, blank=True)

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
                    | Q(
                        kind__in=["report", "other", *FRAME_KINDS],
                        proposal__isnull=True,
                        election__isnull=True,
                    )
                ),
                name="agenda_item_runs_what_its_kind_says",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def subject(self):
        return self.proposal or self.election

    @property
    def is_frame(self) -> bool:
        return self.kind in FRAME_KINDS

    @property
    def subject_id(self):
        return self.proposal_id or self.election_id


class MeetingTemplate(models.Model):
    """A circle's own frame for its meetings: the items a meeting starts with
    (``items``: ``[{"kind", "title"}]``, validated by ``frame.TemplateItem``).
    The built-in "Sociocratic frame" (``frame.BUILT_IN``) is not a row."""

    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, related_name="meeting_templates"
    )
    name = models.CharField(_("name"), max_length=100)
    items = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle", "name"]
        verbose_name = _("meeting template")
        verbose_name_plural = _("meeting templates")
        constraints = [
            models.UniqueConstraint(fields=["circle", "name"], name="one_template_name_per_circle")
        ]

    def __str__(self) -> str:
        return self.name


class AgendaDrop(models.Model):
    """A due item the facilitator dropped from one meeting's draft agenda
    (``core.agenda`` key): remembered for that meeting only, so it is
    proposed again for the next one."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="drops")
    key = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="one_drop_per_meeting_and_key")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.key}"


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
    every server process (a row per socket, deleted when it closes).

    The consumer's process refreshes ``last_seen`` every
    ``consumers.HEARTBEAT`` seconds; a row older than ``STALE_AFTER`` is a
    socket of a process that died: readers ignore it and a sweep deletes it.
    ``language`` is its user's, so a change is rendered only in the
    languages someone is connected in."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=8, blank=True)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    #: A row not refreshed for this long belongs to a dead process.
    STALE_AFTER = timedelta(seconds=45)

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}"

    @classmethod
    def live(cls):
        return cls.objects.filter(last_seen__gte=timezone.now() - cls.STALE_AFTER)


class RoomVersion(models.Model):
    """The room's version: bumped in the transaction of every change that
    the room shows (``core.events.changed`` -> ``realtime.broadcast``).

    Each broadcast carries the version it shows; a socket knows the version
    it has, and one that is behind (a lost or late broadcast, a process that
    died between commit and publish, a channel-layer outage) gets the whole
    room from the database. A table of its own rather than a column of the
    meeting: a change of a proposal bumps it last in its transaction, after
    the locks the proposal's service takes, so no lock order can cycle with
    a meeting service (which locks the meeting first), and no ``save()`` of
    a meeting read earlier can write an old version back.
    """

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, primary_key=True, related_name="room_version"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.meeting_id} v{self.version}"

    @classmethod
    def bump(cls, meeting_id: int, *, using: str | None = None) -> int:
        """Add one to the meeting's version; the new version. One statement
        (an upsert with RETURNING, on PostgreSQL and SQLite >= 3.35); the
        row stays locked until the transaction ends."""
        table = connections[using or "default"].ops.quote_name(cls._meta.db_table)
        # The table name is the model's, quoted; the id is a parameter.
        sql = (
            f"INSERT INTO {table} (meeting_id, version) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (meeting_id) DO UPDATE SET version = {table}.version + 1 "
            "RETURNING version"
        )
        with connections[using or "default"].cursor() as cursor:
            cursor.execute(sql, [meeting_id])
            return cursor.fetchone()[0]

    @classmethod
    def current(cls, meeting_ids) -> dict[int, int]:
        """{meeting id: version} (0 for a meeting never changed)."""
        ids = list(meeting_ids)
        found = dict(cls.objects.filter(meeting_id__in=ids).values_list("meeting_id", "version"))
        return {pk: found.get(pk, 0) for pk in ids}
