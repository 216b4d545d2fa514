import logging
import sys

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.dbdown import log, unavailable_reason
from core.events import log_throttled

#: Seconds a client is asked to wait before trying again while the database
#: is unreachable.
RETRY_AFTER = 5
API_PREFIX = "/api/"


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No context processors that touch the database: the error may be there.
    reason = unavailable_reason(sys.exc_info()[1])
    if reason is None:
        return render(request, "errors/500.html", status=500)
    # The database unreachable (core.dbdown): an outage, not a bug. One line
    # per interval in the log, and Django's traceback line is skipped.
    if request.path.startswith(API_PREFIX):  # a program reads the API's error format
        response = JsonResponse(
            {
                "detail": _("The service is unavailable for a moment; try again shortly."),
                "code": "unavailable",
            },
            status=503,
        )
    else:
        response = render(request, "errors/500.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    log_throttled(
        log,
        "database unavailable",
        "database unavailable (%s): %s %s answered 503",
        reason,
        request.method,
        request.path,
        level=logging.ERROR,
    )
    response._has_been_logged = True  # read by django.utils.log.log_response
    return response
