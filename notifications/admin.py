from django.contrib import admin

from notifications.models import Digest, Notification, Preference


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
