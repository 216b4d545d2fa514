"""Which pages may open a WebSocket to this site: its own origin, exactly.

A browser sends the cookies of the socket's host whatever page opens it, so
the ``Origin`` header is the only thing that tells the room's own page from a
page elsewhere. Channels' ``AllowedHostsOriginValidator`` compares host names
only (ALLOWED_HOSTS has no scheme or port): a page on another port of the same
host would read the room with the visitor's session. Here the whole origin
(scheme, host and port) must be the site's (``SITE_URL``) or one of
``CSRF_TRUSTED_ORIGINS``, the same list Django trusts for a form post.
"""

from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import validate_host


def site_origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without its path."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def allowed_origins() -> list[str]:
    """The origins in channels' pattern syntax (``https://.example.org`` for
    Django's ``https://*.example.org``)."""
    origins = [site_origin(settings.CERCLE_SITE_URL)]
    origins += [origin.replace("://*.", "://.") for origin in settings.CSRF_TRUSTED_ORIGINS]
    return origins


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


class SiteOriginValidator(OriginValidator):
    """Refuses a socket whose ``Origin`` is not exactly one of ours.

    In development (DEBUG=1) a page served by this very server also passes: an
    ``http`` origin equal to the ``Host`` the browser connected to, that host
    being allowed, so ``make run`` on any host name or port keeps working.
    """

    def __init__(self, application):
        super().__init__(application, allowed_origins=[])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SiteOriginValidator only guards WebSocket connections")
        origin = _header(scope, b"origin")
        parsed = urlparse(origin) if origin is not None else None
        # Read the settings at each connection: tests override them.
        ours = parsed is not None and any(
            self.match_allowed_origin(parsed, pattern) for pattern in allowed_origins()
        )
        if ours or _served_here(scope, parsed):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def _served_here(scope, parsed) -> bool:
    if not settings.DEBUG or parsed is None or parsed.scheme != "http":
        return False
    host = _header(scope, b"host")
    if not host or parsed.netloc.lower() != host.lower():
        return False
    hostname = parsed.hostname or ""
    allowed = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    return validate_host(hostname, allowed)
