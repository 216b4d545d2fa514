"""The notifications page, the bell, the preferences, and unsubscribing by link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import DomainError
from notifications import selectors, services
from notifications.kinds import KINDS
from notifications.models import Frequency


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": selectors.shown(page.object_list)},
    )


@login_required
def bell(request):
    return render(request, "notifications/_bell.html")


@login_required
@require_POST
def read(request, pk: int):
    try:
        notification = services.mark_read(user=request.user, notification_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("notifications:list")
    if request.POST.get("follow") and notification.url:
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(user=request.user)
    return redirect("notifications:list")


@login_required
def preferences(request):
    current = services.preferences_of(request.user)
    error = None
    if request.method == "POST":
        choices = {name: request.POST.get(name, current[name]) for name in KINDS}
        try:
            services.set_preferences(user=request.user, choices=choices)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    rows = [
        {"name": name, "label": kind.label, "value": current[name], "default": kind.default}
        for name, kind in KINDS.items()
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "choices": Frequency.choices, "error": error},
        status=400 if error else 200,
    )


# A link in an email, signed: it works without a session (and so without the
# CSRF cookie). Mail clients post "List-Unsubscribe=One-Click" to it (RFC 8058).
@csrf_exempt
def unsubscribe(request, token: str):
    found = services.read_token(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, what = found
    done = None
    if request.method == "POST":
        done = services.unsubscribe(user=user, what=what)
    label = KINDS[what].label if what in KINDS else dict(Frequency.choices)[what]
    return render(
        request,
        "notifications/unsubscribe.html",
        {"what": label, "done": done is not None, "token": token},
    )
