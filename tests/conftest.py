"""Shared test set-up: service requirements, personas, log helpers."""

import os

import pytest
from django.conf import settings
from django.test import override_settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# A channel-layer prefix of this test process's own (the worker's name and the
# process id): Redis pub/sub ignores the database number, so two runs, or a run
# and a site, on one Redis would otherwise receive each other's room fragments.
# Servers the tests start inherit it through the environment.
TEST_CHANNEL_PREFIX = f"cercle-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


@pytest.fixture(autouse=True, scope="session")
def _own_channel_prefix():
    from channels.layers import channel_layers

    os.environ["CHANNEL_LAYER_PREFIX"] = TEST_CHANNEL_PREFIX
    settings.CHANNEL_LAYER_PREFIX = TEST_CHANNEL_PREFIX
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG")
    if config is not None:
        config["prefix"] = TEST_CHANNEL_PREFIX
    channel_layers.backends = {}
    # Counters in a cache of this process's own, emptied before each test
    # (clearing a Redis cache would flush a database others may use).
    # The sessions and user rows (core.fastpath) likewise.
    caches = override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "sessions": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "sessions",
            },
        }
    )
    caches.enable()
    yield
    caches.disable()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request of a user whose
    profile says French activates French in the thread
    (``accounts.middleware.UserLanguageMiddleware``) and nothing deactivates
    it, so a later test's refusal, built outside a request, came out French."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import caches

    caches["default"].clear()
    caches["sessions"].clear()


def _has_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _has_redis() -> bool:
    return bool(settings.REDIS_URL)


def pytest_runtest_setup(item):
    for marker, available, what in (
        ("postgres", _has_postgres, "PostgreSQL (set DATABASE_URL=postgres://…)"),
        ("redis", _has_redis, "Redis (set REDIS_URL=redis://…)"),
    ):
        if item.get_closest_marker(marker) and not available():
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test needs {what}", pytrace=False)
            pytest.skip(f"needs {what}")


@pytest.fixture(autouse=True)
def _log_flush(request):
    """Let the runner flush the test database after a transactional test.

    The append-only triggers refuse DELETE, which is how Django flushes SQLite,
    and TRUNCATE, which is how it flushes PostgreSQL. Drop them just before the
    flush and put them back at the start of the next transactional test
    (pytest-django runs those after the others).
    """
    transactional = "transactional_db" in request.fixturenames or any(
        m.kwargs.get("transaction") for m in request.node.iter_markers("django_db")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from decisions import triggers

    triggers.create()
    yield
    triggers.drop()


@pytest.fixture
def make_user(db, django_user_model):
    counter = {"n": 0}

    def make(name: str | None = None, **extra):
        counter["n"] += 1
        name = name or f"person{counter['n']}"
        extra.setdefault("display_name", name.capitalize())
        return django_user_model.objects.create_user(
            email=f"{name.lower()}@example.org", password="correct horse battery", **extra
        )

    return make


@pytest.fixture
def password():
    return "correct horse battery"


@pytest.fixture
def world(make_user):
    """The shared personas (tests/personas.py): every app's fixtures select from it."""
    from tests.personas import build_world

    return build_world(make_user)


@pytest.fixture
def snap():
    from tests.personas import snapshot

    return snapshot


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever an earlier test on
    this worker activated (a request in French leaves its thread in French)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
