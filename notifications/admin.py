from django import forms
from django.contrib import admin

from notifications import tasks, webhooks
from notifications.models import (
    Digest,
    Notification,
    Preference,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "organization", "created", "read_at", "emailed_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "frequency")
    raw_id_fields = ("user",)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("recipient", "period", "count", "sent")
    raw_id_fields = ("recipient",)


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("created", "kind", "event_key", "attempt", "status_code", "ok", "error")
    fields = readonly_fields
    max_num = 0


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["organization", "url", "format", "kinds", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_target(url)
        except webhooks.Refused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "organization", "format", "active", "failures", "disabled_at")
    list_filter = ("active", "format")
    readonly_fields = ("secret", "failures", "disabled_at", "created")
    inlines = [DeliveryInline]
    actions = ["send_test"]

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = webhooks.new_secret()
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test event")
    def send_test(self, request, queryset):
        for endpoint in queryset:
            tasks.send_webhook_test(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} test event(s) queued.")
