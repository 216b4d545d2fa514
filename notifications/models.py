from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    NEVER = "never", _("Never by email")


class Notification(models.Model):
    """One thing that concerns one person (``notifications.kinds`` says which).

    ``params`` are the plain values of the text, which is rendered in the
    reader's language when shown or emailed; ``url`` is a path (emails make it
    absolute). ``emailed_at`` is set in the transaction that emails it, alone
    or in a digest; an unemailed one waits for the person's next digest.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    #: The event it comes from (``core.notify.Event.key``): once per person.
    event_key = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "recipient"], name="notification_unemailed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class Preference(models.Model):
    """How a person wants one kind by email; no row is the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.frequency}"


class Digest(models.Model):
    """One digest sent to one person for one period (``daily:2026-12-02``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(max_length=40)
    sent = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "period"], name="one_digest_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.period}"


class WebhookEndpoint(models.Model):
    """An organization's address that receives its notifications' events as
    signed JSON (``notifications.webhooks``)."""

    class Format(models.TextChoices):
        JSON = "json", _("Cercle JSON")
        CHAT = "chat", _("Slack, Mattermost or Matrix message")

    organization = models.ForeignKey(
        "circles.Organization", on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(max_length=64, editable=False)
    format = models.CharField(
        _("format"), max_length=8, choices=Format.choices, default=Format.JSON
    )
    #: The kinds sent; empty: every kind.
    kinds = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    #: Failed deliveries in a row; at ``WEBHOOK_MAX_FAILURES`` it is disabled.
    failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One try to deliver one event to one endpoint: the log admins read."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    ok = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.event_key} {self.status_code}"
