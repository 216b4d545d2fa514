"""The application the browser tests serve: ``config.asgi``'s, forgetting
Django's content-type cache at each request and socket.

Every browser test flushes the database (``transaction=True``), and the
content types come back with new ids; the one server process of the session
would otherwise keep the previous test's ids and find no round of a proposal
(rounds name their subject by content type). Production processes never see
their content types renumbered, so the cache stays there.
"""

from config.asgi import application as _application


async def application(scope, receive, send):
    if scope["type"] in ("http", "websocket"):
        # Imported here: config.asgi sets Django up first.
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    await _application(scope, receive, send)
