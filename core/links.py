"""Absolute links for what leaves the site: emails, feeds, calendars.

A page can use relative links; an email or a feed reader has no page to be
relative to. Every such link is built here, from the one public address
(``SITE_URL``, the ``CERCLE_SITE_URL`` setting), never from a request's Host.
"""

from django.conf import settings


def absolute(path: str) -> str:
    """``SITE_URL`` followed by ``path`` (a path from ``reverse()``, with its slash)."""
    if not path.startswith("/"):
        path = "/" + path
    return settings.CERCLE_SITE_URL.rstrip("/") + path
