"""What an email is written in for its recipient: their language and their
time zone (``User.language``, ``User.time_zone``), the site's when unset."""

import contextlib
import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def zone_of(user) -> str:
    """The recipient's IANA zone name, the site's ``TIME_ZONE`` when unset or unknown."""
    name = getattr(user, "time_zone", "") or ""
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            name = ""
    return name or settings.TIME_ZONE


@contextlib.contextmanager
def writing_to(user):
    """Render inside this for ``user``: words in their language, dates in their zone."""
    with translation.override(language_of(user)), timezone.override(zone_of(user)):
        yield
