"""How an API call says who it is: a personal token or the browser's session.

``config.api`` makes them the API's default; a router that also lets
anonymous callers in (the log of a public organization) lists them itself.
"""

from django.utils import timezone, translation
from ninja.security import APIKeyCookie, HttpBearer

from accounts.services import user_for_token
from core import recipients


class BearerToken(HttpBearer):
    """``Authorization: Bearer cercle_…``: a personal API token.

    Its owner reads the answer in their profile's language and time zone, as
    on the pages (``accounts.middleware``, which ran before the token was
    read): the messages the operation writes, the times in its texts, and
    Content-Language. Django's LocaleMiddleware activates the next request's
    language itself; the middleware ends every request's zone.
    """

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
            language = recipients.language_of(user)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            timezone.activate(recipients.zone_of(user))
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


bearer = BearerToken()
session = SessionAuth()
# A personal token, else the session: the API's default.
token_or_session = [bearer, session]
