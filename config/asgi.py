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

# The garbage collector, for a process that holds its sockets for hours.
# What start-up loaded (modules, the URL conf and its views, settings) lives
# as long as the process: frozen out of the collector's sight, a full
# collection no longer walks it (an answer in a round: CPU p99 about 105 ->
# 30 ms, bench/room_actions.py). The sockets' own objects still
# grow the old generation: with the default thresholds a full collection ran
# every few seconds with 1,000 sockets open, for up to 125 ms, the whole
# process stopped (every room of the worker waiting). Young collections are
# made rarer (5,000 allocations, not 700: what dies young is freed by its
# reference count anyway; 50,000 made each one a 20 ms pause) and full ones
# far rarer: 100 rooms x 10 sockets at 100 actions a second, one worker, req
# p99 434/479 -> 271/184 ms (bench/room_fanout.py, docs/PERFORMANCE.md,
# session 8).
import_module(settings.ROOT_URLCONF)  # imported on first use otherwise: now, with the views
gc.collect()
gc.freeze()
gc.set_threshold(5_000, 20, 100)
