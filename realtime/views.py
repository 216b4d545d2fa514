"""Meeting pages and the live room. Thin: parse, call one service, render.

Room actions are htmx POSTs; their answer carries the room's fragments (so
the actor sees the change even before the broadcast arrives), and the
broadcast brings the same fragments to everyone else.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circles import selectors as circle_selectors
from circles.models import Circle
from core import sheets as core_sheets
from core.errors import DomainError, Invalid
from core.idempotency import new_key
from realtime import fragments, frame, selectors, services, subjects
from realtime import room as frame_room
from realtime.forms import (
    AgendaItemForm,
    CancelForm,
    MeetingForm,
    NotesForm,
    RescheduleForm,
    TemplateForm,
    TimerForm,
)
from realtime.models import AgendaItem, Meeting, MeetingTemplate


def _organization(request, org):
    organization = circle_selectors.readable_organization_or_none(request.user, org)
    if organization is None:
        raise Http404
    return organization


def _meeting(request, org, meeting_id, *, leads: bool = True) -> Meeting:
    """The meeting, if the viewer may read its organization (else 404).

    One query for the meeting, its organization and whether the viewer is a
    current member of it (``circles.selectors.can_read_organization``, asked
    in the same statement): room actions are the hottest requests of a live
    meeting. The membership is an inner join (at most one current membership
    per person and organization: ``one_open_organization_membership``), not
    an ``EXISTS`` annotation, and the row is read without ordering: the ORM
    builds it in 0.8 ms instead of 1.3 (docs/PERFORMANCE.md, session 6).
    Without ``leads`` the facilitator's user row is not joined (the
    facilitator's buttons compare ids; the room's render reads what it shows).
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404
    try:
        related = ["circle", "circle__organization", *(["facilitator"] if leads else [])]
        meeting = Meeting.objects.select_related(*related).get(
            pk=meeting_id,
            circle__organization__slug=org,
            circle__organization__members__user=user,
            circle__organization__members__left__isnull=True,
        )
    except Meeting.DoesNotExist:
        raise Http404 from None
    # What a broadcast handed over earlier in this thread belongs to another
    # request (one whose answer did not take it): this request's action hands
    # over its own, or the room is rendered afresh (_after_action).
    fragments.take_over(meeting.pk)
    return meeting


def _viewer_role(user, meeting) -> str:
    roles = []
    if services.can_lead(user, meeting):
        roles.append("facilitator")
    if services.can_keep_minutes(user, meeting):
        roles.append("secretary")
    if circle_selectors.is_circle_member(user, meeting.circle):
        roles.append("member")
    return " ".join(roles) or "guest"


@login_required
def meeting_list(request, org):
    organization = _organization(request, org)
    circles = circle_selectors.circles_of(organization)
    circle = None
    if request.GET.get("circle"):
        circle = circles.filter(slug=request.GET["circle"]).first()
    return render(
        request,
        "realtime/meeting_list.html",
        {
            "organization": organization,
            "circle": circle,
            "meetings": selectors.meetings_of(organization, circle=circle),
            "can_schedule": [
                c for c in circles if circle_selectors.can_facilitate(request.user, c)
            ],
        },
    )


@login_required
def meeting_new(request, org):
    organization = _organization(request, org)
    circle = get_object_or_404(
        Circle, organization=organization, slug=request.GET.get("circle") or "", dissolved=None
    )
    members = list(circle_selectors.current_members(circle))
    form = MeetingForm(
        request.POST or None, members=members, templates=frame.template_choices(circle)
    )
    if request.method == "POST" and form.is_valid():
        by_id = {m.pk: m for m in members}
        try:
            meeting = services.schedule_meeting(
                circle=circle,
                title=form.cleaned_data["title"],
                scheduled_start=form.cleaned_data["scheduled_start"],
                facilitator=by_id.get(form.cleaned_data["facilitator"]),
                secretary=by_id.get(form.cleaned_data["secretary"]),
                by=request.user,
                template=form.cleaned_data["template"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return HttpResponseRedirect(meeting.get_absolute_url())
    elif request.method == "GET":
        form.initial = {"facilitator": request.user.pk, "template": frame.BUILT_IN_KEY}
    return render(
        request,
        "realtime/meeting_new.html",
        {"organization": organization, "circle": circle, "form": form},
    )


def _detail(
    request,
    meeting,
    *,
    form=None,
    status=200,
    template="realtime/meeting_detail.html",
    error="",
    reschedule_form=None,
    cancel_form=None,
):
    can_lead = services.can_lead(request.user, meeting)
    if can_lead and form is None:
        form = AgendaItemForm(subjects=subjects.agenda_choices(meeting.circle))
    items = list(selectors.agenda(meeting))
    for item in items:
        # The items the facilitator may still take off (not run yet), each
        # form with its own key.
        item.remove_key = new_key() if can_lead and not services.has_run(meeting, item) else None
    kinds = dict(AgendaItem.Kind.choices)
    draft = [
        {"due": due, "kind": kinds.get(due.kind, ""), "add_key": new_key()}
        for due in selectors.draft_agenda(meeting)
    ]
    return render(
        request,
        template,
        {
            "meeting": meeting,
            "organization": meeting.circle.organization,
            "items": items,
            "draft": draft,
            "can_lead": can_lead,
            "form": form if can_lead else None,
            "idempotency_key": new_key(),
            "draft_error": error,
            "reschedule_form": reschedule_form
            or RescheduleForm(initial={"scheduled_start": meeting.scheduled_start}),
            "cancel_form": cancel_form or CancelForm(),
            "template_form": TemplateForm() if can_lead else None,
            "template_key": new_key(),
        },
        status=status,
    )


@login_required
@require_POST
def meeting_reschedule(request, org, meeting_id):
    """Move a scheduled meeting (its members get the calendar update)."""
    meeting = _meeting(request, org, meeting_id)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.reschedule_meeting(
                meeting=meeting,
                scheduled_start=form.cleaned_data["scheduled_start"],
                by=request.user,
                key=request.POST.get("idempotency_key"),
            )
        except DomainError as exc:
            form.add_error("scheduled_start" if exc.field else None, exc.message)
        else:
            messages.success(request, _("The meeting is moved; its members are told."))
            return HttpResponseRedirect(meeting.get_absolute_url())
    meeting.refresh_from_db()
    return _detail(request, meeting, reschedule_form=form, status=400)


@login_required
@require_POST
def meeting_cancel(request, org, meeting_id):
    """Cancel a scheduled meeting, once confirmed (its members are told)."""
    meeting = _meeting(request, org, meeting_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_meeting(
                meeting=meeting, by=request.user, key=request.POST.get("idempotency_key")
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The meeting is cancelled; its members are told."))
            return HttpResponseRedirect(meeting.get_absolute_url())
    meeting.refresh_from_db()
    return _detail(request, meeting, cancel_form=form, status=400)


@login_required
@require_POST
def draft_item(request, org, meeting_id, action):
    """Add a proposed item to the agenda, or drop it from this meeting's
    draft (htmx: the agenda and the draft come back; else the page)."""
    meeting = _meeting(request, org, meeting_id)
    due_key = request.POST.get("key", "")
    try:
        if action == "add":
            services.add_due_item(
                meeting=meeting,
                due_key=due_key,
                by=request.user,
                key=request.POST.get("idempotency_key"),
            )
        elif action == "drop":
            services.drop_due_item(meeting=meeting, due_key=due_key, by=request.user)
        else:
            raise Http404
    except DomainError as exc:
        if request.htmx:
            return _detail(
                request,
                meeting,
                status=exc.status,
                template="realtime/meeting_detail.html#agenda",
                error=exc.message,
            )
        messages.error(request, exc.message)
    if request.htmx:
        return _detail(request, meeting, template="realtime/meeting_detail.html#agenda")
    return HttpResponseRedirect(meeting.get_absolute_url())


@login_required
def meeting_detail(request, org, meeting_id):
    return _detail(request, _meeting(request, org, meeting_id))


#: Which field of the agenda form a refusal of ``add_item`` belongs to.
_ITEM_FIELDS = {"kind": "kind", "title": "title", "proposal": "subject", "election": "subject"}


@login_required
@require_POST
def item_add(request, org, meeting_id):
    """Add an agenda item; a refusal comes back at the form, with what was
    sent (400), never as a message at the top of another page. The form's
    idempotency key makes a repeated post (a double click, a retry) one item."""
    meeting = _meeting(request, org, meeting_id)
    form = AgendaItemForm(request.POST, subjects=subjects.agenda_choices(meeting.circle))
    if form.is_valid():
        kind, subject = form.cleaned_data["kind"], None
        raw = form.cleaned_data["subject"]
        if raw:
            subject = subjects.agenda_subject(meeting.circle, raw)
            kind = subjects.kind_of(subject) if subject else kind
        try:
            services.add_item(
                meeting=meeting,
                kind=kind,
                title=form.cleaned_data["title"],
                proposal=subject if kind == "proposal" else None,
                election=subject if kind == "election" else None,
                by=request.user,
                key=request.POST.get("idempotency_key"),
            )
        except DomainError as exc:
            if not services.can_lead(request.user, meeting):
                messages.error(request, exc.message)  # no form to show it at
                return HttpResponseRedirect(meeting.get_absolute_url())
            form.add_error(_ITEM_FIELDS.get(exc.field or ""), exc.message)
            return _detail(request, meeting, form=form, status=400)
        messages.success(request, _("The item is on the agenda."))
        return HttpResponseRedirect(meeting.get_absolute_url())
    return _detail(request, meeting, form=form, status=400)


@login_required
@require_POST
def item_move(request, org, meeting_id, item_id):
    meeting = _meeting(request, org, meeting_id)
    order = list(meeting.items.order_by("position").values_list("pk", flat=True))
    if item_id in order:
        i = order.index(item_id)
        j = i - 1 if request.POST.get("direction") == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    try:
        services.reorder_items(meeting=meeting, order=order, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_action(request, meeting, fallback=meeting.get_absolute_url())


@login_required
@require_POST
def item_remove(request, org, meeting_id, item_id):
    """Take an item off the agenda before it runs (the API's remove_agenda_item)."""
    meeting = _meeting(request, org, meeting_id)
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_id).first()
    if item is None:  # a second click: the first took it off
        return HttpResponseRedirect(meeting.get_absolute_url())
    try:
        services.remove_item(
            meeting=meeting, item=item, by=request.user, key=request.POST.get("idempotency_key")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The item is off the agenda."))
    return HttpResponseRedirect(meeting.get_absolute_url())


def _after_action(request, meeting, *, fallback=None):
    if request.htmx:
        # The broadcast after commit rendered the room in this thread just
        # now; answer with the same HTML instead of rendering it again.
        html = fragments.take_over(meeting.pk)
        if html is None:
            meeting.refresh_from_db()
            html = fragments.render_room(meeting)
        return HttpResponse(html)
    return HttpResponseRedirect(fallback or meeting.room_url())


def _error(request, meeting, exc: DomainError):
    if request.htmx:
        # The message goes to the room's alert region; nothing else changes.
        return render(
            request, "realtime/action_error.html", {"message": exc.message}, status=exc.status
        )
    messages.error(request, exc.message)
    return HttpResponseRedirect(meeting.room_url())


@login_required
@require_POST
def meeting_action(request, org, meeting_id, action):
    """Open, close, move to an item, set the timer: the facilitator's buttons."""
    meeting = _meeting(request, org, meeting_id, leads=False)
    key = request.POST.get("idempotency_key")
    try:
        if action == "open":
            services.open_meeting(meeting=meeting, by=request.user, key=key)
        elif action == "close":
            services.close_meeting(
                meeting=meeting, by=request.user, notes=request.POST.get("notes", ""), key=key
            )
        elif action == "item":
            item = get_object_or_404(AgendaItem, meeting=meeting, pk=request.POST.get("item") or 0)
            services.set_current_item(meeting=meeting, item=item, by=request.user, key=key)
        elif action == "timer":
            form = TimerForm(request.POST)
            if not form.is_valid():
                raise Invalid(_("Give the timer in whole minutes, 0 to 180."))
            services.set_timer(
                meeting=meeting, seconds=form.cleaned_data["minutes"] * 60, by=request.user
            )
        else:
            raise Http404
    except DomainError as exc:
        return _error(request, meeting, exc)
    if action == "close":
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = meeting.get_absolute_url()
            return response
        return HttpResponseRedirect(meeting.get_absolute_url())
    return _after_action(request, meeting)


@login_required
@require_POST
def notes_save(request, org, meeting_id, item_id):
    meeting = _meeting(request, org, meeting_id)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_id)
    form = NotesForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(_("The notes could not be read."))
        services.save_notes(item=item, notes=form.cleaned_data["notes"], by=request.user)
    except DomainError as exc:
        return _error(request, meeting, exc)
    return _after_action(request, meeting)


@login_required
@require_POST
def attendance_mark(request, org, meeting_id):
    meeting = _meeting(request, org, meeting_id)
    user = get_user_model().objects.filter(pk=request.POST.get("user") or 0).first()
    try:
        if user is None:
            raise Invalid(_("Choose a member."))
        services.mark_attendance(
            meeting=meeting, user=user, present=request.POST.get("present") == "1", by=request.user
        )
    except DomainError as exc:
        return _error(request, meeting, exc)
    return _after_action(request, meeting)


@login_required
@require_POST
def room_join(request, org, meeting_id):
    meeting = _meeting(request, org, meeting_id)
    services.join(meeting=meeting, user=request.user)
    return HttpResponse(status=204)


@login_required
def room(request, org, meeting_id):
    meeting = _meeting(request, org, meeting_id)
    if meeting.state == Meeting.State.CLOSED:
        return HttpResponseRedirect(meeting.get_absolute_url())
    context = fragments.room_context(meeting)
    context.update(
        {
            "organization": meeting.circle.organization,
            "viewer_role": _viewer_role(request.user, meeting),
            "members": circle_selectors.current_members(meeting.circle),
            "idempotency_key": new_key(),
        }
    )
    return render(request, "realtime/room.html", context)


@login_required
def room_me(request, org, meeting_id):
    """The viewer's own part of the room: their answer form for the current
    round. Loaded over HTTP when the round changes, never pushed, so a live
    update never replaces what someone is typing."""
    meeting = _meeting(request, org, meeting_id)
    context = fragments.room_context(meeting)
    context.update(
        {
            "viewer_role": _viewer_role(request.user, meeting),
            "mine": mark_safe(subjects.render_mine(request, context["current"])),  # noqa: S308
        }
    )
    return render(request, "realtime/room_me.html", context)


@login_required
def sheets(request, org, meeting_id):
    """The round sheets of the meeting's items, to print (or ``?format=pdf``)."""
    meeting = _meeting(request, org, meeting_id)
    pages = [
        sheet
        for item in selectors.agenda(meeting)
        for sheet in subjects.sheets_of(item, context=f"{meeting.title} · {item.title}")
    ]
    return core_sheets.respond(
        request,
        pages,
        organization=meeting.circle.organization,
        title=meeting.title,
        back_url=reverse("realtime:meeting", kwargs={"org": org, "meeting_id": meeting.pk}),
        filename=f"{meeting.circle.organization.slug}-meeting-{meeting.pk}-rounds.pdf",
        as_pdf=request.GET.get("format") == "pdf",
    )


@login_required
def projector(request, org, meeting_id):
    meeting = _meeting(request, org, meeting_id)
    context = fragments.room_context(meeting)
    context["organization"] = meeting.circle.organization
    return render(request, "realtime/projector.html", context)


# The frame ------------------------------------------------------------------------


def _frame_item(meeting, item_id) -> AgendaItem:
    item = (
        AgendaItem.objects.select_related("meeting", "minutes_of")
        .filter(meeting=meeting, pk=item_id)
        .first()
    )
    if item is None or not item.is_frame:
        raise Http404
    return item


@login_required
@require_POST
def frame_action(request, org, meeting_id, item_id, action):
    """A round of the frame: the facilitator starts, moves on, closes it; a
    member present answers in turn (the secretary may record the answer of
    a member without a device: ``member``)."""
    meeting = _meeting(request, org, meeting_id)
    item = _frame_item(meeting, item_id)
    key = request.POST.get("idempotency_key")
    try:
        if action == "start":
            frame.start_round(meeting=meeting, item=item, by=request.user, key=key)
        elif action == "skip":
            frame.skip_speaker(meeting=meeting, item=item, by=request.user, key=key)
        elif action == "close":
            frame.close_round(meeting=meeting, item=item, by=request.user, key=key)
        elif action == "answer":
            member = request.user
            if request.POST.get("member"):
                member = (
                    circle_selectors.current_members(meeting.circle)
                    .filter(
                        pk=request.POST.get("member") if request.POST["member"].isdigit() else 0
                    )
                    .first()
                )
                if member is None:
                    raise Invalid(_("Choose a member."), field="member")
            frame.answer(
                meeting=meeting,
                item=item,
                member=member,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
                by=request.user,
                key=key,
            )
        else:
            raise Http404
    except DomainError as exc:
        return _error(request, meeting, exc)
    if request.htmx and request.htmx.target == frame_room.MINE_ID:
        meeting.refresh_from_db()
        item.refresh_from_db()
        item.meeting = meeting
        return HttpResponse(frame_room.mine_html(request, item))
    return _after_action(request, meeting)


@login_required
@require_POST
def template_save(request, org, meeting_id):
    """Save the meeting's frame as a template of its circle."""
    meeting = _meeting(request, org, meeting_id)
    form = TemplateForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(_("A template needs a name."), field="name")
        template = frame.save_template(
            meeting=meeting,
            name=form.cleaned_data["name"],
            by=request.user,
            key=request.POST.get("idempotency_key"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(meeting.get_absolute_url())
    if template is not None:
        messages.success(request, _("The template “%(name)s” is saved.") % {"name": template.name})
    return HttpResponseRedirect(meeting.get_absolute_url())


@login_required
def template_list(request, org):
    """A circle's meeting templates: the built-in frame and its own."""
    organization = _organization(request, org)
    circle = get_object_or_404(
        Circle, organization=organization, slug=request.GET.get("circle") or ""
    )
    can_edit = circle_selectors.can_facilitate(request.user, circle)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        template = get_object_or_404(
            MeetingTemplate, circle=circle, pk=request.POST.get("template") or 0
        )
        try:
            frame.delete_template(template=template, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The template is deleted."))
        return HttpResponseRedirect(request.get_full_path())
    kinds = dict(AgendaItem.Kind.choices)
    templates = [
        {
            "name": str(frame.BUILT_IN_NAME),
            "built_in": True,
            "items": [{"kind": kinds[k], "title": str(t)} for k, t in frame.BUILT_IN],
        }
    ] + [
        {
            "pk": t.pk,
            "name": t.name,
            "built_in": False,
            "items": [{"kind": kinds.get(i["kind"], ""), "title": i["title"]} for i in t.items],
        }
        for t in frame.templates_of(circle)
    ]
    return render(
        request,
        "realtime/templates.html",
        {
            "organization": organization,
            "circle": circle,
            "templates": templates,
            "can_edit": can_edit,
        },
    )
