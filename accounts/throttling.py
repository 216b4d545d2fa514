"""What django-axes counts failures by, and the password reset limit.

Axes reads the username from ``AXES_USERNAME_FORM_FIELD``, which defaults to the
user model's ``USERNAME_FIELD`` ("email"); our login form and
``authenticate()`` call it "username", so without this the username was never
seen and the lockout fell back to the address alone. The address is
lower-cased, as the login is case-insensitive: "Alice@…" and "alice@…" share
one count.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def username_for_throttling(request, credentials) -> str | None:
    raw = None
    if credentials:
        raw = credentials.get("username") or credentials.get("email")
    if raw is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get("username")
    if not raw:
        return None
    return str(raw).strip().lower()


# Password reset requests -----------------------------------------------------

# Each request for a reset sends an email: without a limit anyone can flood an
# inbox, or use the site to send mail in bulk. Counted per address (known or
# not, so the answer reveals nothing) and per client address, in the cache,
# within a fixed window.


def _count(key: str, window: int) -> int:
    try:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            return 1
    except Exception:  # the cache (Redis) is down: let the request through
        logger.warning("password reset counter unavailable", exc_info=True)
        return 0


def take_password_reset(*, email: str, client: str | None) -> bool:
    """Counts one request; False when the address or the client is over its limit.

    Every request counts, refused ones too, so a client that keeps trying
    stays refused until the window has passed.
    """
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    per_address = _count(f"password-reset:address:{address}", window)
    per_client = _count(f"password-reset:client:{client or '-'}", window)
    return (
        per_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        and per_client <= settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    )
