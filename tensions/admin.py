from django.contrib import admin

from tensions.models import Tension, TensionEvent


class ReadOnly(admin.ModelAdmin):
    """Tensions change through their services only (step table, history, notifications)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tension)
class TensionAdmin(ReadOnly):
    list_display = ["title", "organization", "circle", "raised_by", "state", "outcome", "arrived"]
    list_filter = ["state", "outcome"]


@admin.register(TensionEvent)
class TensionEventAdmin(ReadOnly):
    list_display = ["tension", "action", "from_circle", "to_circle", "via_circle", "by", "at"]
