"""Django's ASGI handler with the middleware chain run in one thread hop.

Django's own ``ASGIHandler`` runs the middleware in async mode, adapting
around each one: a ``MiddlewareMixin`` middleware in async mode moves its
``process_request`` and its ``process_response`` to the request's thread one
call at a time, and a sync-only middleware (WhiteNoise, ours) makes the
handler below it hop back to the event loop (``async_to_sync``), whose
innermost step moves again to the thread for the (sync) view. A room action
crossed between the loop and its thread about ten times.

Every view and every middleware of this project is synchronous, so here the
chain is loaded in sync mode, as under WSGI, and run whole by one
``sync_to_async`` call in the request's own thread (the one Django's
``ThreadSensitiveContext`` gives each request): the same middleware, in the
same order, with the same effects; only the thread hops are gone. Django's
request handling around it (reading the body, the request signals,
streaming the response, closing it) is Django's, unchanged. An async view,
should one appear, still works: Django's sync path calls it with
``async_to_sync``.
"""

from asgiref.sync import sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        # BaseHandler.get_response: the URL conf, the chain, the request's
        # closers and the error log line, in the request's thread.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application() -> SyncChainASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
