import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles.models import (
    Circle,
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    Role,
    RoleAssignment,
)
from core import portable


class ViewOnlyAdmin(admin.ModelAdmin):
    """Structure changes are decisions: they go through the services and the
    log, never through the admin, which only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("Organization export (JSON)"),
        help_text=gettext_lazy(
            "A file written by “export_organization” or this page's export, "
            "from this or another Cercle."
        ),
    )


@admin.register(Organization)
class OrganizationAdmin(ViewOnlyAdmin):
    """Organizations are only shown here, but a site administrator may move
    one in (import, ``core.portable``) or out (the "export" action)."""

    list_display = ["name", "slug", "language", "public_log", "created"]
    change_list_template = "admin/circles/organization/change_list.html"
    actions = ["export_whole"]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="circles_organization_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                organization = portable.import_organization(
                    portable.read(form.cleaned_data["document"].read())
                )
            except portable.Refused as exc:
                form.add_error(
                    "document",
                    _("Refused, nothing was imported: %(reason)s") % {"reason": exc.message},
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s was imported: its log verifies against the file's head "
                        "(%(count)s entries); %(people)s new account(s) without a password."
                    )
                    % {
                        "name": organization.name,
                        "count": organization.log_head.sequence,
                        "people": len(organization.created_people),
                    },
                )
                return HttpResponseRedirect(reverse("admin:circles_organization_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import an organization"),
        }
        return TemplateResponse(request, "admin/circles/organization/import.html", context)

    @admin.action(description=gettext_lazy("Export the whole organization (JSON)"))
    def export_whole(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(
                request, _("Choose one organization to export."), level=messages.WARNING
            )
            return None
        organization = queryset.get()
        document = portable.export_organization(organization)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder),
            content_type="application/json",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{organization.slug}-organization.json"'
        )
        return response


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
