"""Pages of organizations and circles. Thin: parse, call one service or
selector, render. Outsiders get 404 for anything of a private organization,
so its existence is not revealed; refused actions come back as a message or
a form error, never a traceback."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import blueprints, chart, health, imports, relays, rules, selectors, services
from circles.forms import (
    AcceptInvitationForm,
    AddMemberForm,
    AssignForm,
    ChangeForm,
    ChartDayForm,
    CircleEditForm,
    CircleForm,
    DuplicateForm,
    InviteForm,
    MembersImportForm,
    MoveForm,
    NewRoleForm,
    OrganizationForm,
    OrganizationSettingsForm,
    ReasonForm,
    RoleForm,
    lines_of,
    role_initial,
)
from circles.health import double_link_health
from circles.models import Organization, Role
from core.errors import DomainError, NotAllowed
from core.steps import Verdict


def home(request):
    organizations = selectors.organizations_for(request.user)
    return render(request, "home.html", {"organizations": organizations})


# Helpers -----------------------------------------------------------------------


def _org(request, slug: str) -> Organization:
    organization = selectors.readable_organization_or_none(request.user, slug)
    if organization is None:
        raise Http404
    return organization


def _circle(organization, slug: str):
    circle = selectors.circle_or_none(organization, slug)
    if circle is None:
        raise Http404
    return circle


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _back(circle) -> HttpResponseRedirect:
    return HttpResponseRedirect(circle.get_absolute_url())


def _user_from(organization, raw) -> object:
    try:
        user = selectors.org_person_or_none(organization, int(raw))
    except (TypeError, ValueError):
        user = None
    if user is None:
        raise Http404
    return user


# Organizations -----------------------------------------------------------------


@login_required
def organization_new(request):
    form = OrganizationForm(
        request.POST or None, request.FILES or None, initial={"language": request.user.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.create_organization(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your organization is created; you are its administrator."))
            return redirect(organization)
    return render(request, "circles/organization_new.html", {"form": form})


def organization(request, org):
    """The overview; a public organization's (its log and chart are public)
    shows anyone its circles and latest decisions, the rest to members only."""
    organization = selectors.readable_organization_or_none(request.user, org)
    public = False
    if organization is None:
        organization = _chart_org(request, org)  # a public log, else 404
        public = True
    return render(
        request,
        "circles/organization.html",
        {
            "organization": organization,
            "public_view": public,
            "tree": health.circle_tree(organization),
            "root": selectors.root_circle(organization),
            "decisions": selectors.latest_decisions(organization),
            "terms": [] if public else selectors.terms_ending(organization),
        },
    )


def organization_settings(request, org):
    organization = _org(request, org)
    form = OrganizationSettingsForm(
        request.POST or None,
        initial={
            "name": organization.name,
            "language": organization.language,
            "public_log": organization.public_log,
            "data_licence": organization.data_licence,
        },
    )
    verdict = rules.may("update_organization", organization, request.user)
    if not verdict:
        return _forbidden(request, organization, verdict)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(
                organization=organization, by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("circles:settings", org=organization.slug)
    return render(
        request, "circles/organization_settings.html", {"organization": organization, "form": form}
    )


def _forbidden(request, organization, verdict):
    return render(
        request,
        "circles/forbidden.html",
        {"organization": organization, "message": verdict.message},
        status=403,
    )


def _members_context(organization, invite_form=None) -> dict:
    return {
        "organization": organization,
        "members": selectors.org_members(organization),
        "invitations": selectors.pending_invitations(organization),
        "invite_form": invite_form
        or InviteForm(
            circles=selectors.circles_of(organization),
            initial={"circle": getattr(selectors.root_circle(organization), "pk", "")},
        ),
    }


def organization_members(request, org):
    organization = _org(request, org)
    # The members page is where administrators grant rights and invite.
    verdict = rules.may("set_org_admin", organization, request.user)
    if not verdict:
        return _forbidden(request, organization, verdict)
    return render(request, "circles/members.html", _members_context(organization))


@require_POST
def invite(request, org):
    """An invitation into a circle: from the administrators' members page, or
    from the circle's own page by its leader (the service decides who may)."""
    organization = _org(request, org)
    admin_page = rules.may("set_org_admin", organization, request.user)
    # Any circle of the organization is accepted here so that the service,
    # not the form, refuses a dissolved one with its own message.
    every_circle = selectors.circles_of(organization, include_dissolved=True)
    form = InviteForm(request.POST, circles=every_circle)
    circle = None
    if form.is_valid():
        circle = every_circle.filter(pk=form.cleaned_data["circle"]).first()
        try:
            if circle is None:
                raise NotAllowed(_("Choose a circle of this organization."))
            services.invite(circle=circle, email=form.cleaned_data["email"], by=request.user)
        except DomainError as exc:
            if not admin_page:
                if exc.status == 403 or circle is None:
                    return _forbidden(request, organization, Verdict(exc))
                messages.error(request, exc.message)
                return _back(circle)
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("An invitation is sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            if not admin_page:
                return _back(circle)
            return redirect("circles:members", org=organization.slug)
    if not admin_page:
        if circle is None:
            return _forbidden(request, organization, admin_page)
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _back(circle)
    form.fields["circle"].choices = [
        (str(c.pk), c.name) for c in selectors.circles_of(organization)
    ]
    return render(request, "circles/members.html", _members_context(organization, form))


@require_POST
def revoke_invitation(request, org, pk):
    organization = _org(request, org)
    invitation = selectors.invitation_or_none(organization, pk)
    if invitation is None:
        raise Http404
    try:
        services.revoke_invitation(invitation=invitation, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    if not rules.may("set_org_admin", organization, request.user):
        return redirect(invitation.circle)
    return redirect("circles:members", org=organization.slug)


def import_members(request, org):
    """Members from a list: a preview line by line, then all of it or nothing."""
    organization = _org(request, org)
    verdict = rules.may("import_members", organization, request.user)
    if not verdict:
        return _forbidden(request, organization, verdict)
    form = MembersImportForm(request.POST or None, request.FILES or None)
    lines, counts = None, None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if "apply" in request.POST:
            try:
                result = services.import_members(
                    organization=organization, text=text, by=request.user
                )
            except DomainError as exc:
                _form_error(form, exc)  # then the preview again, with its errors
            else:
                messages.success(request, imports.done_message(result["counts"]))
                return redirect("circles:members", org=organization.slug)
        try:
            lines = imports.plan(organization, imports.parse(text), by=request.user)
            counts = imports.summary(lines)
        except DomainError as exc:
            _form_error(form, exc)
        # The text stays in the box (a file's too), so the preview can be confirmed.
        form.data = form.data.copy()
        form.data["text"] = text
    return render(
        request,
        "circles/members_import.html",
        {"organization": organization, "form": form, "lines": lines, "counts": counts},
    )


@require_POST
def set_admin(request, org, user_id):
    organization = _org(request, org)
    person = _user_from(organization, user_id)
    try:
        services.set_org_admin(
            organization=organization,
            user=person,
            is_admin=request.POST.get("is_admin") == "1",
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("circles:members", org=organization.slug)


def terms(request, org):
    organization = _org(request, org)
    return render(
        request,
        "circles/terms.html",
        {"organization": organization, "terms": selectors.terms_ending(organization)},
    )


def person(request, org, user_id):
    organization = _org(request, org)
    person = _user_from(organization, user_id)
    return render(
        request,
        "circles/person.html",
        {
            "organization": organization,
            "person": person,
            "memberships": selectors.person_circles(person, organization),
            "assignments": selectors.person_roles(person, organization),
        },
    )


# The org chart -----------------------------------------------------------------


def _chart_org(request, slug: str) -> Organization:
    """The chart follows the log's visibility."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not selectors.can_read_log(request.user, organization):
        raise Http404
    return organization


def structure_export(request, org):
    """The circles and roles without people or decisions, for another
    organization to start from (``circles.blueprints``)."""
    organization = _chart_org(request, org)
    document = blueprints.structure_of(organization)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{organization.slug}-structure.json"'
    return response


def _chart_day(request, organization):
    """The day the chart shows (``?on=YYYY-MM-DD``): None for today; the form
    carries the error of a day that is not a date or still to come."""
    form = ChartDayForm(request.GET or None, created=organization.created)
    day = form.cleaned_data["on"] if form.is_bound and form.is_valid() else None
    return form, (None if day == timezone.localdate() else day)


def org_chart(request, org):
    organization = _chart_org(request, org)
    form, day = _chart_day(request, organization)
    return render(
        request,
        "circles/chart.html",
        {
            "organization": organization,
            "chart": chart.layout(organization, at=day),
            "tree": health.circle_tree(organization, at=day),
            "day": day,
            "day_form": form,
            "holders": selectors.holders_on(organization, day) if day else [],
            "can_read": selectors.can_read_organization(request.user, organization),
        },
    )


def org_chart_svg(request, org):
    organization = _chart_org(request, org)
    _form, day = _chart_day(request, organization)
    response = render(
        request,
        "circles/chart.svg",
        {
            "organization": organization,
            "chart": chart.layout(organization, at=day),
            "standalone": True,
        },
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{organization.slug}-chart.svg"'
    return response


# Circles -----------------------------------------------------------------------


# The circle page's buttons: each asks circles.rules, as its service does.
CIRCLE_ACTIONS = (
    "invite",
    "update_circle",
    "create_circle",
    "move_circle",
    "dissolve_circle",
    "duplicate_circle",
    "add_member",
    "remove_member",
    "leave_circle",
    "create_role",
    "define_circle",
    "finish_setup",
    "reopen_setup",
    "propose_circle_change",
    "propose_role_change",
)


def _circle_context(request, organization, circle, **forms) -> dict:
    user = request.user
    member_ids = set(selectors.current_members(circle).values_list("pk", flat=True))
    people = selectors.org_users(organization)
    may = {name: rules.may(name, circle, user) for name in CIRCLE_ACTIONS}
    roles = list(selectors.roles_with_holders(circle))
    for role in roles:
        role.circle = circle
        role.assign_action = rules.assign_action(role)
        role.assign_label = rules.RULES[role.assign_action].label
        role.may_assign = rules.may(role.assign_action, role, user)
        role.may_edit = rules.may("update_role", role, user)
        role.may_propose = may["propose_role_change"]
        for assignment in role.current:
            assignment.role = role
            assignment.may_end = rules.may("end_assignment", assignment, user)
            assignment.may_accept = rules.may("accept_delegate", assignment, user)
    return {
        "organization": organization,
        "circle": circle,
        "ancestors": selectors.ancestors(circle),
        "children": selectors.children_of(circle),
        "health": double_link_health(circle),
        "relays_overdue": relays.overdue_count(circle) if circle.parent_id else 0,
        "relay_wait_days": settings.RELAY_WAIT_DAYS,
        "relays_inbox": relays.inbox(circle).count(),
        "members": selectors.memberships(circle),
        "past_members": selectors.memberships(circle, current=False),
        "roles": roles,
        "past_assignments": selectors.assignments(circle, current=False),
        "decisions": selectors.latest_decisions(organization, circle=circle),
        "leader": selectors.current_holder(circle, "leader"),
        "delegate": selectors.current_holder(circle, "delegate"),
        "may": may,
        "is_member": selectors.is_circle_member(user, circle),
        "add_member_form": forms.get("add_member_form")
        or AddMemberForm(people=[p for p in people if p.pk not in member_ids]),
        "assign_people": people,
        "new_role_form": forms.get("new_role_form") or NewRoleForm(),
    }


def circle(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    return render(request, "circles/circle.html", _circle_context(request, organization, circle))


@require_POST
def add_member(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    form = AddMemberForm(request.POST, people=selectors.org_users(organization))
    if form.is_valid():
        try:
            services.add_member(
                circle=circle,
                user=_user_from(organization, form.cleaned_data["user"]),
                by=request.user,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            form = None
            if not request.htmx:
                messages.success(request, _("The member is added."))
    if request.htmx:
        context = _circle_context(request, organization, circle, add_member_form=form)
        return render(request, "circles/circle.html#members", context)
    if form is not None:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return _back(circle)


def remove_member(request, org, circle, user_id):
    """GET: the confirmation page (the circle page's "Remove" and "Leave" lead
    here, so one click never removes anyone); POST: the removal."""
    organization = _org(request, org)
    circle = _circle(organization, circle)
    person = _user_from(organization, user_id)
    if request.method != "POST":
        leaving = person.pk == request.user.pk
        verdict = rules.may("leave_circle" if leaving else "remove_member", circle, request.user)
        if not verdict:
            return _forbidden(request, organization, verdict)
        return render(
            request,
            "circles/remove_member.html",
            {"organization": organization, "circle": circle, "person": person, "leaving": leaving},
        )
    try:
        services.remove_member(
            circle=circle, user=person, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s left the circle.") % {"name": person.name})
    if request.htmx:
        return render(
            request, "circles/circle.html#members", _circle_context(request, organization, circle)
        )
    return _back(circle)


def circle_new(request, org, circle):
    organization = _org(request, org)
    parent = _circle(organization, circle)
    form = CircleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.create_circle(parent=parent, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The circle “%(name)s” is created.") % {"name": child.name})
            return redirect(child)
    return render(
        request,
        "circles/circle_form.html",
        {
            "organization": organization,
            "circle": parent,
            "form": form,
            "title": _("New sub-circle of %(name)s") % {"name": parent.name},
            "submit": _("Create the circle"),
        },
    )


def circle_duplicate(request, org, circle):
    """A sibling with the same aim, domain and roles, without its people."""
    organization = _org(request, org)
    source = _circle(organization, circle)
    verdict = rules.may("duplicate_circle", source, request.user)
    if not verdict:
        return _forbidden(request, organization, verdict)
    form = DuplicateForm(
        request.POST or None,
        initial={"name": _("%(name)s (copy)") % {"name": source.name}},
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.duplicate_circle(circle=source, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("The circle “%(name)s” is created with the roles of “%(source)s”.")
                % {"name": copy.name, "source": source.name},
            )
            return redirect(copy)
    return render(
        request,
        "circles/circle_form.html",
        {
            "organization": organization,
            "circle": source,
            "form": form,
            "title": _("Duplicate %(name)s") % {"name": source.name},
            "submit": _("Duplicate the circle"),
        },
    )


def circle_edit(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    form = CircleEditForm(
        request.POST or None,
        initial={
            "name": circle.name,
            "aim": circle.aim,
            "domains": lines_of(circle.domains),
            "review_months": circle.review_months,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_circle(circle=circle, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The circle is saved."))
            return _back(circle)
    return render(
        request,
        "circles/circle_form.html",
        {
            "organization": organization,
            "circle": circle,
            "form": form,
            "title": _("Edit %(name)s") % {"name": circle.name},
            "submit": _("Save"),
            # Past its set-up, the aim and domains are proposed: the same
            # form's input goes to the proposal instead.
            "propose": (
                reverse(
                    "circles:propose_change",
                    kwargs={"org": organization.slug, "circle": circle.slug},
                )
                + "?target=circle"
                if circle.setup_done and rules.may("propose_circle_change", circle, request.user)
                else None
            ),
            "intro": (
                _(
                    "This circle has finished its set-up: a change of its aim or domains is "
                    "proposed to the consent of %(circle)s. Its name and review term are "
                    "saved directly."
                )
                % {"circle": rules.deciding_circle(circle, "circle").name}
                if circle.setup_done
                else None
            ),
        },
    )


def circle_move(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    excluded = selectors.descendant_ids(circle) | {circle.pk}
    targets = [c for c in selectors.circles_of(organization) if c.pk not in excluded]
    form = MoveForm(request.POST or None, circles=targets, initial={"parent": circle.parent_id})
    if request.method == "POST":
        # Any circle of the organization is accepted here so that the service,
        # not the form, refuses a move under itself with its own message.
        form.fields["parent"].choices = [
            (str(c.pk), c.name) for c in selectors.circles_of(organization)
        ]
        if form.is_valid():
            new_parent = selectors.circles_of(organization).get(pk=form.cleaned_data["parent"])
            try:
                services.move_circle(circle=circle, new_parent=new_parent, by=request.user)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The circle is moved."))
                return _back(circle)
    return render(
        request,
        "circles/circle_form.html",
        {
            "organization": organization,
            "circle": circle,
            "form": form,
            "title": _("Move %(name)s under another circle") % {"name": circle.name},
            "submit": _("Move"),
        },
    )


def circle_dissolve(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dissolve_circle(
                circle=circle, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The circle is dissolved; it is kept read-only."))
            return _back(circle)
    return render(
        request,
        "circles/circle_form.html",
        {
            "organization": organization,
            "circle": circle,
            "form": form,
            "title": _("Dissolve %(name)s") % {"name": circle.name},
            "intro": _(
                "A dissolved circle is kept, read-only, with its history; its current "
                "role assignments end."
            ),
            "submit": _("Dissolve the circle"),
            "danger": True,
        },
    )


# Roles -------------------------------------------------------------------------


def _role(organization, circle, role_id):
    role = selectors.role_or_none(organization, role_id)
    if role is None or role.circle_id != circle.pk:
        raise Http404
    return role


@require_POST
def role_new(request, org, circle):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    form = NewRoleForm(request.POST)
    if form.is_valid():
        try:
            services.create_role(circle=circle, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The role is created."))
            return _back(circle)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return _back(circle)


def role_edit(request, org, circle, role_id):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    role = _role(organization, circle, role_id)
    form = RoleForm(request.POST or None, initial=role_initial(role))
    if request.method == "POST" and form.is_valid():
        try:
            role = services.update_role(role=role, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if request.htmx:
                context = _circle_context(request, organization, circle)
                context["role"] = next(r for r in context["roles"] if r.pk == role.pk)
                return render(request, "circles/circle.html#role", context)
            messages.success(request, _("The role is saved."))
            return _back(circle)
    context = {"organization": organization, "circle": circle, "role": role, "form": form}
    if request.htmx:
        return render(request, "circles/role_form.html#role_form", context)
    return render(request, "circles/role_form.html", context)


# Definitions: the set-up and a change proposed ------------------------------------


@require_POST
def circle_setup(request, org, circle):
    """Finish the set-up (``done=1``) or go back to it (``done=0``)."""
    organization = _org(request, org)
    circle = _circle(organization, circle)
    done = request.POST.get("done") == "1"
    try:
        services.set_setup(
            circle=circle, by=request.user, done=done, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The set-up is finished: changes of definitions are now proposed.")
            if done
            else _("The circle is back in its set-up: its leader edits its definitions."),
        )
    return _back(circle)


def _change_target(request, circle):
    """The target of a change (``circle``, ``role`` or ``new_role``) and the
    role it names, from the query string or the form."""
    data = request.POST if request.method == "POST" else request.GET
    target = data.get("target") or request.GET.get("target") or "circle"
    if target not in ("circle", "role", "new_role"):
        raise Http404
    role = None
    if target == "role":
        raw = data.get("role_id") or request.GET.get("role_id") or request.GET.get("role")
        try:
            role = Role.objects.get(circle=circle, pk=int(raw))
        except (TypeError, ValueError, Role.DoesNotExist):
            raise Http404 from None
    return target, role


def propose_change(request, org, circle):
    """The form of a change of definitions, prefilled with the current
    definition (or the person's input), and its proposal: a draft of the
    deciding circle, shown next."""
    organization = _org(request, org)
    circle = _circle(organization, circle)
    target, role = _change_target(request, circle)
    verdict = rules.may(rules.propose_action(target), circle, request.user)
    if not verdict and request.method != "POST":
        return _forbidden(request, organization, verdict)
    if target == "circle":
        initial = {"aim": circle.aim, "domains": lines_of(circle.domains)}
    elif role is not None:
        initial = role_initial(role)
    else:
        initial = {"default_term_months": 12}
    process_role = role is not None and role.kind != Role.Kind.CUSTOM
    form = ChangeForm(
        request.POST or None, initial=initial, target=target, process_role=process_role
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        if data.get("default_term_months") is None:
            data.pop("default_term_months", None)
        try:
            proposal = services.propose_change(
                circle=circle,
                by=request.user,
                target=target,
                role_id=role.pk if role else None,
                key=request.POST.get("key"),
                **data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("The change is proposed to %(circle)s: present it when the circle meets.")
                % {"circle": proposal.circle.name},
            )
            return redirect(
                reverse("proposals:detail", kwargs={"org": organization.slug, "pk": proposal.pk})
            )
    deciding = rules.deciding_circle(circle, target)
    if target == "circle":
        title = _("Propose a change of the aim and domains of %(name)s") % {"name": circle.name}
    elif role is not None:
        title = _("Propose a change of the role %(role)s") % {"role": role.name}
    else:
        title = _("Propose a new role in %(name)s") % {"name": circle.name}
    return render(
        request,
        "circles/change_form.html",
        {
            "organization": organization,
            "circle": circle,
            "form": form,
            "title": title,
            "target": target,
            "role": role,
            "deciding": deciding,
            "key": uuid.uuid4(),
        },
    )


@require_POST
def role_assign(request, org, circle, role_id):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    role = _role(organization, circle, role_id)
    form = AssignForm(request.POST, people=selectors.org_users(organization))
    if form.is_valid():
        try:
            user = _user_from(organization, form.cleaned_data["user"])
            services.assign_role(
                role=role,
                user=user,
                by=request.user,
                term_end=form.cleaned_data["term_end"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.") % {"name": user.name, "role": role.name},
            )
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return _back(circle)


def _assignment(organization, circle, pk):
    assignment = selectors.assignment_or_none(organization, pk)
    if assignment is None or assignment.role.circle_id != circle.pk:
        raise Http404
    return assignment


@require_POST
def assignment_end(request, org, circle, pk):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    assignment = _assignment(organization, circle, pk)
    try:
        services.end_assignment(
            assignment=assignment, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The term is ended."))
    return _back(circle)


@require_POST
def assignment_accept(request, org, circle, pk):
    organization = _org(request, org)
    circle = _circle(organization, circle)
    assignment = _assignment(organization, circle, pk)
    try:
        services.accept_delegate(assignment=assignment, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The parent circle's acceptance is recorded."))
    return _back(circle)


# Invitations -------------------------------------------------------------------


def invitation(request, token):
    found = services.invitation_for_token(token)
    problem = services.invitation_problem(found)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and problem is None:
        try:
            if request.user.is_authenticated:
                services.accept_invitation(token=token, user=request.user)
            elif form.is_valid():
                user = services.accept_invitation(token=token, **form.cleaned_data)
                login(request, user, backend="core.fastpath.CachedModelBackend")
            else:
                raise _FormInvalid
        except _FormInvalid:
            pass
        except DomainError as exc:
            if exc.field in form.fields:
                _form_error(form, exc)
            else:
                problem = exc.message
        else:
            messages.success(request, _("Welcome to %(circle)s.") % {"circle": found.circle.name})
            return redirect(found.circle)
    status = 200 if problem is None else (404 if found is None else 410)
    return render(
        request,
        "circles/invitation.html",
        {
            "invitation": found if found is not None and problem is None else None,
            "problem": problem,
            "form": form,
            "existing_account": found is not None
            and not request.user.is_authenticated
            and get_user_model().objects.filter(email__iexact=found.email).exists(),
            "login_url": reverse("accounts:login") + "?next=" + request.path,
        },
        status=status,
    )


class _FormInvalid(Exception):
    pass
