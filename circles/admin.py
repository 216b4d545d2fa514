from django.contrib import admin

from circles.models import (
    Circle,
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    Role,
    RoleAssignment,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Structure changes are decisions: they go through the services and the
    log, never through the admin, which only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ViewOnlyAdmin):
    list_display = ["name", "slug", "language", "public_log", "created"]


@admin.register(Circle)
class CircleAdmin(ViewOnlyAdmin):
    list_display = ["name", "organization", "parent", "setup_done", "dissolved"]
    list_filter = ["organization"]


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(ViewOnlyAdmin):
    list_display = ["user", "organization", "is_admin", "joined", "left"]


@admin.register(Membership)
class MembershipAdmin(ViewOnlyAdmin):
    list_display = ["user", "circle", "joined", "left"]


@admin.register(Role)
class RoleAdmin(ViewOnlyAdmin):
    list_display = ["name", "kind", "circle"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ViewOnlyAdmin):
    list_display = ["role", "user", "term_start", "term_end", "ended"]


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyAdmin):
    list_display = ["email", "circle", "created", "expires", "accepted", "revoked"]
