"""Test settings of the caches: the ``sessions`` cache on the test Redis."""


def redis_sessions(settings, name: str, **options) -> dict:
    """``CACHES`` with the ``sessions`` cache on ``settings.REDIS_URL``, under a
    key prefix of the test run's and ``name``'s own, and ``default`` in memory."""
    sessions = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": settings.REDIS_URL,
        "KEY_PREFIX": f"{settings.CHANNEL_LAYER_PREFIX}-{name}",
    }
    if options:
        sessions["OPTIONS"] = options
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": sessions,
    }
