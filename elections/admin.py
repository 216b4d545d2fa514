from django.contrib import admin

# Nominations are not in the admin: until shown, only their author may see them.
from elections.models import Election, ElectionEvent, TermReminder


class ReadOnly(admin.ModelAdmin):
    """Selections change through their services only (steps, record, log)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Election)
class ElectionAdmin(ReadOnly):
    list_display = ["role", "circle", "state", "term_start", "term_end", "created"]
    list_filter = ["state"]


@admin.register(ElectionEvent)
class ElectionEventAdmin(ReadOnly):
    list_display = ["election", "action", "from_state", "to_state", "by", "at"]


@admin.register(TermReminder)
class TermReminderAdmin(ReadOnly):
    list_display = ["assignment", "sent"]
