"""Organizations, the circle tree, memberships with history, roles and terms.

Nothing here is ever deleted: a circle is dissolved, a membership or a role
assignment ends. Every change goes through ``circles.services`` and is recorded
in the organization's decision log.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataLicence(models.TextChoices):
    """Licences an organization may publish its open data under (SPDX ids)."""

    CC_BY_SA_4 = "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0"
    CC_BY_4 = "CC-BY-4.0", "Creative Commons Attribution 4.0"
    CC0 = "CC0-1.0", "Creative Commons Zero 1.0 (public domain)"
    ODBL = "ODbL-1.0", "Open Data Commons Open Database License 1.0"

    @property
    def url(self) -> str:
        return LICENCE_URLS[self.value]


LICENCE_URLS = {
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    public_log = models.BooleanField(
        _("public log"),
        default=False,
        help_text=_("Anyone, even without an account, can read and verify the decision log."),
    )
    data_licence = models.CharField(
        _("open data licence"),
        max_length=16,
        choices=DataLicence.choices,
        default=DataLicence.CC_BY_SA_4,
        help_text=_("The licence of the structure and decisions a public organization publishes."),
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("circles:organization", kwargs={"org": self.slug})


class OrganizationMember(models.Model):
    """Belonging to an organization (reading all of it); admins manage members."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organization_memberships"
    )
    is_admin = models.BooleanField(_("administrator"), default=False)
    joined = models.DateTimeField(default=timezone.now)
    left = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(left__isnull=True),
                name="one_open_organization_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class Circle(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="circles")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60)
    aim = models.TextField(_("aim"), blank=True)
    # Short strings, one area of authority each (a JSON list).
    domains = models.JSONField(_("domains"), default=list, blank=True)
    # Off while the circle sets itself up: its leader edits its definitions
    # directly. On: changes to them go through a consent proposal
    # (circles.rules, "define_circle"; docs/USER_GUIDE.md, "Definitions").
    setup_done = models.BooleanField(
        _("set-up finished"),
        default=False,
        help_text=_("Changes to the aim, domains and roles now go through a consent proposal."),
    )
    review_months = models.PositiveSmallIntegerField(_("default review term (months)"), default=12)
    created = models.DateTimeField(default=timezone.now)
    dissolved = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("circle")
        verbose_name_plural = _("circles")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="unique_circle_slug_per_organization"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(parent__isnull=True),
                name="one_root_circle_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "circles:circle", kwargs={"org": self.organization.slug, "circle": self.slug}
        )

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved is not None


class Membership(models.Model):
    """A person in a circle, from ``joined`` until ``left`` (history is kept)."""

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="circle_memberships"
    )
    joined = models.DateTimeField(default=timezone.now)
    left = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "user"],
                condition=Q(left__isnull=True),
                name="one_open_membership_per_circle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.circle}"


class Role(models.Model):
    class Kind(models.TextChoices):
        LEADER = "leader", _("Leader")
        DELEGATE = "delegate", _("Delegate")
        FACILITATOR = "facilitator", _("Facilitator")
        SECRETARY = "secretary", _("Secretary")
        CUSTOM = "custom", _("Custom role")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="roles")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    purpose = models.TextField(_("purpose"), blank=True)
    domains = models.JSONField(_("domains"), default=list, blank=True)
    accountabilities = models.JSONField(_("accountabilities"), default=list, blank=True)
    default_term_months = models.PositiveSmallIntegerField(_("default term (months)"), default=12)
    qualifications = models.JSONField(_("qualifications"), default=list, blank=True)
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Several people may hold this role at once.")
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "kind"],
                condition=~Q(kind="custom"),
                name="one_process_role_of_each_kind_per_circle",
            ),
            models.CheckConstraint(
                condition=Q(shared=False) | Q(kind="custom"),
                name="only_custom_roles_are_shared",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.circle})"

    @property
    def is_link_role(self) -> bool:
        return self.kind in (self.Kind.LEADER, self.Kind.DELEGATE)


class RoleAssignment(models.Model):
    """Someone holds a role for a term; ending or expiring it is recorded."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments"
    )
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # A delegate is accepted by the parent circle (the double link).
    parent_acceptance = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")),
                name="term_end_after_term_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"

    @property
    def is_current(self) -> bool:
        return self.ended is None

    @property
    def is_expired(self) -> bool:
        return self.ended is None and self.term_end < timezone.localdate()


class Invitation(models.Model):
    """An email invitation into a circle: expires, used once, revocable."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    accepted = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked = models.DateTimeField(null=True, blank=True)
    #: The language its email was written in; an account made from it speaks it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.email} → {self.circle}"

    @property
    def is_pending(self) -> bool:
        return self.accepted is None and self.revoked is None and self.expires > timezone.now()


class Relay(models.Model):
    """A decision one circle carries across its double link to the other.

    Up: a child circle's decision to its parent, carried by the child's
    delegate. Down: a parent's decision to a child, carried by the child's
    leader. It waits until it is presented in a meeting of the receiving
    circle (the minutes ``Decision`` of that meeting, so ``circles`` needs no
    meeting) or acknowledged with a reason. Who marked and closed it, and when,
    is kept on the row.
    """

    class Direction(models.TextChoices):
        UP = "up", _("To the parent circle")
        DOWN = "down", _("To a child circle")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting to be relayed")
        PRESENTED = "presented", _("Presented")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="relays")
    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="relays_out")
    target = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="relays_in")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    # Marked when the decision was taken (a child's policy in a domain), not by hand.
    automatic = models.BooleanField(default=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)
    # Presented: the minutes of the receiving circle's meeting it was presented in.
    minutes = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["marked_at", "pk"]
        indexes = [models.Index(fields=["target", "state"], name="relay_target_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "target"], name="one_relay_per_decision_and_circle"
            ),
            models.CheckConstraint(
                condition=~Q(state="presented") | Q(minutes__isnull=False),
                name="presented_relay_names_its_minutes",
            ),
            models.CheckConstraint(
                condition=~Q(state="acknowledged") | ~Q(reason=""),
                name="acknowledged_relay_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} → {self.target}"

    @property
    def child(self) -> Circle:
        """The circle whose double link carries it (the child of the pair)."""
        return self.source if self.direction == self.Direction.UP else self.target
