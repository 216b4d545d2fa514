"""One Redis connection pool per process for Django's Redis cache.

Django keeps a cache object per request context (``django.core.cache.caches``
is context-local), and its Redis client keeps its connection pools on that
object: every request built a new pool and so opened a new TCP connection to
Redis, with redis-py's handshake and its library-version lookup, to read the
session and the user. Under uvicorn that was about a sixth of a worker's CPU
at 100 room actions a second (docs/PERFORMANCE.md, session 8).

``SharedConnectionPool`` is given as the cache's ``OPTIONS["pool_class"]``
(Django's documented hook): ``from_url`` hands back the pool already made in
this process for the same address and options, so connections are reused
across requests and threads (a redis-py pool is thread-safe, and after a fork
it starts afresh by itself).
"""

import threading

import redis

_pools: dict[tuple, redis.ConnectionPool] = {}
_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    @classmethod
    def from_url(cls, url: str, **kwargs) -> redis.ConnectionPool:
        key = (cls, url, tuple(sorted(kwargs.items(), key=lambda item: item[0])))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = super().from_url(url, **kwargs)
        return pool
