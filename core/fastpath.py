"""The request's own reads of who is asking, from a cache, never at its mercy.

Every request (a room action above all) reads its session and its user; on
the database they are two queries and most of a room action's fixed cost
(docs/PERFORMANCE.md). Both are kept in the ``sessions`` cache (Redis when
configured, else this process's memory), and the database stays the truth:

- ``SessionStore``: Django's ``cached_db`` engine (writes go to the database
  first, then the cache), made safe for a cache that fails. A cache error is
  never the request's error: it is logged once, the request reads the
  database, and the cache is left alone for ``PAUSE`` seconds so a hung or
  stopped Redis costs at most one short timeout per process and period.
- ``CachedModelBackend``: Django's ``ModelBackend`` whose ``get_user`` reads
  the user row through the same cache for at most ``USER_TTL`` seconds.
  Saving or deleting a user drops it (``accounts.apps``), so a deactivated
  account, a changed password or language is seen by the next request on
  every process sharing the cache. Memberships and roles are never cached:
  a member removed from a circle is refused at their next action.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches

logger = logging.getLogger("cercle.cache")

#: Seconds the cache is left alone after it failed.
PAUSE = 30
#: Seconds a user row is served from the cache at most.
USER_TTL = 60

_paused_until = 0.0


def _cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def _available() -> bool:
    return time.monotonic() >= _paused_until


def _failed(exc: Exception) -> None:
    global _paused_until
    if _available():
        logger.warning(
            "cache %s failed (%s: %s); reading the database for %d s",
            settings.SESSION_CACHE_ALIAS,
            type(exc).__name__,
            exc,
            PAUSE,
        )
    _paused_until = time.monotonic() + PAUSE


def cache_call(method: str, *args, default=None):
    """``cache.<method>(*args)``, or ``default`` when the cache fails or rests."""
    if not _available():
        return default
    try:
        return getattr(_cache(), method)(*args)
    except Exception as exc:  # any backend error: the database answers instead
        _failed(exc)
        return default


class _GuardedCache:
    """The cache as ``cached_db`` uses it, every call guarded."""

    def get(self, key, default=None):
        return cache_call("get", key, default=default)

    def set(self, key, value, timeout=None):
        cache_call("set", key, value, timeout)

    def delete(self, key):
        cache_call("delete", key)

    def __contains__(self, key):
        return bool(cache_call("has_key", key, default=False))

    async def aget(self, key, default=None):
        return self.get(key, default)

    async def aset(self, key, value, timeout=None):
        self.set(key, value, timeout)

    async def adelete(self, key):
        self.delete(key)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _GuardedCache()


KEY_PREFIX = cached_db.KEY_PREFIX


def user_key(user_id) -> str:
    return f"cercle.user.{user_id}"


def forget_user(user_id) -> None:
    cache_call("delete", user_key(user_id))


class CachedModelBackend(ModelBackend):
    """Authenticates as ``ModelBackend``; ``get_user`` reads through the cache."""

    def get_user(self, user_id):
        key = user_key(user_id)
        user = cache_call("get", key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache_call("set", key, user, USER_TTL)
        elif not self.user_can_authenticate(user):
            return None
        return user
