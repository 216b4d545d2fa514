from django.contrib import admin

from decisions.models import Decision, LogHead


class ReadOnlyAdmin(admin.ModelAdmin):
    """The log is append-only: the admin shows it and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "organization", "circle", "kind", "title", "decided_at"]
    list_filter = ["kind", "organization"]
    search_fields = ["title", "body"]
    ordering = ["organization", "-sequence"]


@admin.register(LogHead)
class LogHeadAdmin(ReadOnlyAdmin):
    list_display = ["organization", "sequence", "hash"]
