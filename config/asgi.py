"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Served by daphne in development and tests, and by uvicorn workers in
production (see docs/DEPLOY.md). HTTP goes through ``config.handler``:
Django's handler with the middleware chain run in one thread hop.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.exceptions import ImproperlyConfigured

try:
    from config.handler import get_asgi_application

    django_asgi_app = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"Configuration error: {exc}")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter

from config.origins import SiteOriginValidator
from core.dbdown import DatabaseUnavailableGuard
from realtime.routing import websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": DatabaseUnavailableGuard(
            SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
