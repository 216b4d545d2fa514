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

The request's thread is taken from threads kept for it, not started for it.
Django gives each request a ``ThreadSensitiveContext`` of its own, which
starts a new thread for the request and, at its end, another one to join the
first; both starts block the event loop until the new thread runs, and with
the view threads holding the interpreter lock that wait grew to several
milliseconds per request, every socket of the process waiting with it
(docs/PERFORMANCE.md, session 8). Here each request still has one thread of
its own for all its synchronous work (asgiref's ``ThreadSensitiveContext``
with a single-thread executor it is given), as a threaded WSGI server gives
one: a request's thread is never shared with another request while it runs,
and after it the thread waits for the next request.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    #: Request threads kept waiting for the next requests (more are started
    #: while more requests run at once, and stopped after them).
    KEEP_THREADS = 32

    def __init__(self):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._threads: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        # A single-thread executor: every synchronous step of this request
        # (its signals, the chain and view, closing the response) runs in
        # its one thread, in order.
        thread = self._threads.pop() if self._threads else _request_thread()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            if len(self._threads) < self.KEEP_THREADS:
                self._threads.append(thread)
            else:
                thread.shutdown(wait=False)

    async def get_response_async(self, request):
        # BaseHandler.get_response: the URL conf, the chain, the request's
        # closers and the error log line, in the request's thread.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def _request_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")


def get_asgi_application() -> SyncChainASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
