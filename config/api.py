"""The JSON API at /api/v1/: one NinjaAPI, one router per app, one error format.

This module only assembles: each app's router, the authentication from
``accounts.api_auth``, and the error handlers. No app imports it.

Every error is ``{"detail": <message>, "code": <machine code>}`` with a 4xx
status; the same services as the HTML views sit behind every operation.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as accounts_router
from accounts.api_auth import token_or_session
from circles.api import router as circles_router
from core.errors import DomainError
from elections.api import router as elections_router
from logbook.api import router as logbook_router
from notifications.api import router as notifications_router
from proposals.api import router as proposals_router
from realtime.api import router as realtime_router
from tensions.api import router as tensions_router


class ErrorOut(Schema):
    """Every error of the API (4xx): a message for a person, a code for a program."""

    detail: str
    code: str = Field(
        description=(
            "invalid, malformed, unauthorized, forbidden, csrf_failed, not_found, "
            "conflict, throttled, method_not_allowed, or a code of the operation's own "
            "(such as unknown_filter)"
        )
    )
    field: str | None = Field(None, description="The input a rule refused, when there is one.")
    errors: list[dict] | None = Field(None, description="422: each field of the wrong shape.")


ERROR_RESPONSES = {
    400: "Input a rule refuses (`invalid`), or a body that is not JSON (`malformed`).",
    401: "No valid token or session (`unauthorized`).",
    403: "An action the caller may not take (`forbidden`, `csrf_failed`).",
    404: "Nothing the caller may see there (`not_found`).",
    409: "An action the current state refuses (`conflict`).",
    422: "Input of the wrong shape (`invalid`; `errors` names each field).",
    429: "Too many requests (`throttled`).",
}


class CercleApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document, with the one error schema declared on every operation."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema()
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema["paths"].values():
            for operation in methods.values():
                # One key per status: an operation's own ``openapi_extra`` writes
                # "200" beside django-ninja's 200, and the JSON would then hold
                # the key twice (which YAML readers such as Swagger UI refuse).
                responses = {}
                for status, response in operation.get("responses", {}).items():
                    merged = responses.setdefault(str(status), {})
                    merged.update(response)
                operation["responses"] = responses
                for status, description in ERROR_RESPONSES.items():
                    responses.setdefault(str(status), {"description": description, "content": ref})
        return schema


api = CercleApi(
    title="Cercle API",
    version="1",
    description=(
        "Every resource and action of Cercle. Authenticate with a personal token "
        "(`Authorization: Bearer …`, created on your profile page) or a browser session. "
        'Errors are `{"detail": "…", "code": "…"}`.'
    ),
    auth=token_or_session,
    urls_namespace="api",
)


def _error(request, message, code, status):
    return api.create_response(request, {"detail": message, "code": code}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"detail": exc.message, "code": exc.code}
    if exc.field:
        body["field"] = exc.field  # the input the service refused
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(
        request, _("Authentication required: a valid token or session."), "unauthorized", 401
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    parts = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return api.create_response(
        request,
        {
            "detail": "; ".join(parts) or _("Invalid input."),
            "code": "invalid",
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, _("Not found."), "not_found", 404)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return _error(request, str(exc) or _("Not allowed."), "forbidden", 403)


# What django-ninja raises itself: an unreadable body (400), a failed CSRF
# check of a session (403), a throttle (429); each gets a code of its own.
_HTTP_CODES = {400: "malformed", 401: "unauthorized", 403: "csrf_failed", 429: "throttled"}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code = getattr(exc, "code", None) or _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return _error(request, str(exc), code, exc.status_code)


# Outside the operations: a path under /api/v1/ that names none, or a method
# the path does not take, answers the same JSON error as everything else.


def unknown_path(request, *args, **kwargs):
    return JsonResponse(
        {"detail": _("No API operation at this path."), "code": "not_found"}, status=404
    )


unknown_path.csrf_exempt = True


def _json_method_not_allowed(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse(
                {
                    "detail": _("%(method)s is not allowed here; allowed: %(allowed)s.")
                    % {"method": request.method, "allowed": allowed},
                    "code": "method_not_allowed",
                },
                status=405,
            )
            response["Allow"] = allowed
        return response

    wrapped.csrf_exempt = True  # as every django-ninja view: auth checks CSRF itself
    return wrapped


def api_urls():
    """``api.urls`` with JSON answers for a wrong method and an unknown path."""
    patterns, app_name, namespace = api.urls
    patterns = [
        URLPattern(p.pattern, _json_method_not_allowed(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]
    return [*patterns, re_path(r"^", unknown_path)], app_name, namespace


# Each app's router, in the order of the OpenAPI document.
for _router in (
    accounts_router,
    circles_router,
    logbook_router,
    proposals_router,
    elections_router,
    realtime_router,
    tensions_router,
    notifications_router,
):
    api.add_router("", _router)
