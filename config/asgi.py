"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Served by daphne in development and tests, and by uvicorn workers in
production (see docs/DEPLOY.md). HTTP goes through ``config.handler``:
Django's handler with the middleware chain run in one thread hop.
"""

import gc
import os
import sys
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.exceptions import ImproperlyConfigured

try:
    from config.handler import get_asgi_application

    django_asgi_app = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"Configuration error: {exc}")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings

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

# What start-up loaded (modules, the URL conf, settings, the app registry)
# lives as long as the process: moved out of the garbage collector's sight,
# a full collection no longer walks it. It walked it about once every hundred
# room actions, for some 75 ms, and the younger generations paid for it too:
# an answer in a round cost 25 ms of CPU and 98 ms at p99, with this 20 ms and
# 22 ms (bench/room_actions.py, docs/PERFORMANCE.md, session 8).
import_module(settings.ROOT_URLCONF)  # imported on first use otherwise: now, with the views
gc.collect()
gc.freeze()
