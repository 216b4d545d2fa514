import logging
import sys

from django.shortcuts import render

from core.dbdown import log, unavailable_reason
from core.events import log_throttled

#: Seconds a client is asked to wait before trying again while the database
#: is unreachable.
RETRY_AFTER = 5


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
