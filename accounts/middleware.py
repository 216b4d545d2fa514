import zoneinfo

from django.utils import timezone, translation


class UserLanguageMiddleware:
    """A logged-in user sees their preferred language and their time zone.

    Anonymous visitors get LocaleMiddleware's choice (cookie, then browser)
    and the site's ``TIME_ZONE``; the language menu stores a logged-in
    user's choice on the user, the profile their time zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            zone = _zone(user.time_zone)
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # Always: a zone activated later in the request (an API token's
            # owner's, accounts.api_auth) must not stay for the thread's next.
            timezone.deactivate()


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
