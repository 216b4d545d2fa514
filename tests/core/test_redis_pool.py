"""One Redis connection pool per process for the caches (``core.redis_pool``):
Django's cache objects live per request context, and each made its own pool,
so every request opened a new connection to read its session."""

import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.redis_pool import SharedConnectionPool
from tests.caches import redis_sessions
from tests.fresh import run_python


def test_the_same_address_and_options_give_the_same_pool():
    # Nothing listens on port 1: a pool connects only when used.
    first = SharedConnectionPool.from_url("redis://127.0.0.1:1/0", socket_timeout=1)
    assert SharedConnectionPool.from_url("redis://127.0.0.1:1/0", socket_timeout=1) is first
    assert SharedConnectionPool.from_url("redis://127.0.0.1:1/0", socket_timeout=2) is not first
    assert SharedConnectionPool.from_url("redis://127.0.0.1:1/1", socket_timeout=1) is not first


def test_the_settings_give_both_redis_caches_the_shared_pool():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(*sorted({c['OPTIONS'].get('pool_class') for c in settings.CACHES.values()}))"
    )
    done = run_python(code, REDIS_URL="redis://127.0.0.1:1/0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["core.redis_pool.SharedConnectionPool"]


@pytest.mark.redis
def test_requests_in_other_threads_reuse_one_pool_and_connection(settings):
    redis_caches = redis_sessions(
        settings, "pool", pool_class="core.redis_pool.SharedConnectionPool"
    )
    pools, read = [], []

    def a_request(n: int) -> None:
        # A thread of its own, as uvicorn gives each request: its own cache object.
        cache = caches["sessions"]
        cache.set(f"k{n}", n, 30)
        read.append(cache.get(f"k{n}"))
        pools.append(cache._cache.get_client().connection_pool)

    with override_settings(CACHES=redis_caches):
        try:
            for n in range(6):
                thread = threading.Thread(target=a_request, args=(n,))
                thread.start()
                thread.join()
        finally:
            caches["sessions"].delete_many([f"k{n}" for n in range(6)])
    assert read == list(range(6))
    assert len({id(pool) for pool in pools}) == 1
    # One after the other, the six requests needed one connection between them.
    assert len(pools[0]._available_connections) + len(pools[0]._in_use_connections) == 1
