"""Consent process: proposals, revisions, objections, and the round machinery.

``Round`` and ``Response`` are shared with the elections app: a round belongs
to a *subject* (a proposal or an election, through a generic relation), and
``proposals.rounds`` holds the engine both processes use.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Proposal(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PRESENTED = "presented", _("Presented")
        CLARIFYING = "clarifying", _("Clarifying questions")
        REACTIONS = "reactions", _("Quick reactions")
        CONSENT = "consent", _("Consent round")
        OBJECTIONS = "objections", _("Integrating objections")
        ADOPTED = "adopted", _("Adopted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DEFERRED = "deferred", _("Deferred")

    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # The policy this proposal amends or renews (a review), if any.
    amends = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A change of definitions it carries (circles.definitions): ``{"target",
    # "circle", "role", "after"}``; its adoption applies ``after``.
    change = models.JSONField(null=True, blank=True, editable=False)
    # How the circle will know the policy works, one measure an item; and the
    # circle's domain it belongs to ("" for none): both go into the policy's record.
    measures = models.JSONField(_("measures"), default=list, blank=True)
    domain = models.CharField(_("domain"), max_length=300, blank=True)
    # The decision its adoption recorded.
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Asynchronous consent: open until this deadline, answered from the page.
    consent_deadline = models.DateTimeField(_("consent deadline"), null=True, blank=True)
    flagged_for_meeting = models.BooleanField(default=False)
    reminded = models.DateTimeField(null=True, blank=True)
    # The idempotency key of the form or API call that created it: a replayed
    # creation finds this proposal instead of making a second one.
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="adopted") | Q(decision__isnull=False),
                name="adopted_proposal_has_its_decision",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.ADOPTED, self.State.WITHDRAWN, self.State.DEFERRED)


class Revision(models.Model):
    """One wording of a proposal; amending after presentation adds one."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    body = models.TextField(_("text"))
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "number"], name="one_revision_number_per_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} v{self.number}"


class Round(models.Model):
    """Everyone speaks once, in order: a round of a proposal or an election."""

    class Kind(models.TextChoices):
        CLARIFYING = "clarifying", _("Clarifying questions")
        REACTION = "reaction", _("Quick reactions")
        CONSENT = "consent", _("Consent")

    class Mode(models.TextChoices):
        IN_TURN = "in_turn", _("In turn")
        REVEAL = "reveal", _("Reveal together")

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IN_TURN)
    # The wording a proposal's round is about (a consent round always names one).
    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds"
    )
    # User ids in speaking order; ``current`` indexes the speaker of an in-turn round.
    speakers = models.JSONField(default=list)
    current = models.PositiveSmallIntegerField(default=0)
    opened = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed = models.DateTimeField(null=True, blank=True)
    # Optional speaking time per speaker or for the round, shown to everyone.
    timer_ends = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="round_subject")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(closed__isnull=True),
                name="one_open_round_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_mode_display()})"

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def current_speaker_id(self) -> int | None:
        if self.mode != self.Mode.IN_TURN or self.closed is not None:
            return None
        if self.current < len(self.speakers):
            return self.speakers[self.current]
        return None


class Response(models.Model):
    """One member's answer in a round. A changed position keeps the old row
    (``replaced`` set), so the record shows the change."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        REACTION = "reaction", _("Reaction")
        CONSENT = "consent", _("Consent")
        OBJECT = "object", _("Objection")
        PASS = "pass", _("Pass")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="responses")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="round_responses"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    # A concern beside a consent: recorded with the decision, does not block.
    concern = models.TextField(blank=True)
    # The author's answer to a clarifying question.
    reply = models.TextField(blank=True)
    # True for consent/object in a consent round: one current position per member.
    is_position = models.BooleanField(default=False)
    # Recorded by the facilitator for someone in the room without a device.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    replaced = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member"],
                condition=Q(is_position=True, replaced__isnull=True),
                name="one_position_per_member_per_round",
            ),
            models.CheckConstraint(
                condition=~Q(kind="object") | ~Q(text=""),
                name="objection_needs_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.kind}"


class Objection(models.Model):
    """One objection through its life, from the round it was raised in."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        INTEGRATED = "integrated", _("Integrated")
        WITHDRAWN = "withdrawn", _("Withdrawn by the objector")
        DROPPED = "dropped", _("Dropped with the circle's consent")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="objections")
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="objection")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(blank=True)
    integrated_in = models.ForeignKey(
        Revision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="integrated") | Q(integrated_in__isnull=False),
                name="integrated_objection_names_its_revision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.reason[:40]}"


class ProposalEvent(models.Model):
    """One step of a proposal's process: who moved it, from where to where, when, why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, choices=Proposal.State.choices)
    to_state = models.CharField(max_length=16, choices=Proposal.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"], name="proposal_event_at")]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.action}"


class ConsentReminder(models.Model):
    """An asynchronous consent reminder sent to one member, so it is sent once."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="reminders")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member"], name="one_consent_reminder_per_member_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.member}"
