"""The session and the user of a request come from a cache; the database stays the truth."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from core import fastpath
from tests.caches import redis_sessions

pytestmark = pytest.mark.django_db

BACKEND = "core.fastpath.CachedModelBackend"


def _tables(queries) -> list[str]:
    return [
        q["sql"] for q in queries if "django_session" in q["sql"] or "accounts_user" in q["sql"]
    ]


@pytest.fixture(autouse=True)
def _cache_awake(monkeypatch):
    monkeypatch.setattr(fastpath, "_paused_until", 0.0)


@pytest.fixture
def signed_in(client, make_user):
    user = make_user("ada", language="en")
    client.force_login(user, backend=BACKEND)
    client.get(reverse("accounts:profile"))  # the first request fills the cache
    return user


def test_a_request_reads_neither_the_session_nor_the_user_from_the_database(client, signed_in):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["user"] == signed_in
    assert _tables(queries) == []


def test_a_deactivated_account_is_refused_at_its_next_request(client, signed_in):
    signed_in.is_active = False
    signed_in.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_changed_password_ends_the_other_sessions(client, signed_in):
    signed_in.set_password("another correct horse")
    signed_in.save()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_changed_language_is_seen_at_once(client, signed_in):
    signed_in.language = "fr"
    signed_in.save()
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<html lang="fr"' in page


def test_a_user_read_from_the_cache_is_still_checked_for_being_active(signed_in):
    from django.core.cache import caches

    # A row changed behind the ORM's back (no signal): the cached copy says
    # inactive, the backend refuses it without trusting it blindly.
    signed_in.is_active = False
    caches["sessions"].set(fastpath.user_key(signed_in.pk), signed_in, 60)
    assert fastpath.CachedModelBackend().get_user(signed_in.pk) is None


DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Nothing listens on port 1: every cache call fails at once.
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}


def test_a_failing_cache_leaves_the_requests_to_the_database(client, make_user, caplog):
    user = make_user("bo", language="en")
    with override_settings(CACHES=DOWN), caplog.at_level(logging.WARNING, logger="cercle.cache"):
        client.force_login(user, backend=BACKEND)
        for _ in range(3):
            response = client.get(reverse("accounts:profile"))
            assert response.status_code == 200
            assert response.context["user"] == user
    warnings = [r for r in caplog.records if r.name == "cercle.cache"]
    assert len(warnings) == 1, "one line per pause, not one per request"
    assert "reading the database" in warnings[0].getMessage()


@pytest.mark.redis
def test_on_redis_the_session_and_user_are_shared_and_forgotten(client, make_user, settings):
    from django.core.cache import caches

    redis_caches = redis_sessions(settings, "fastpath")
    user = make_user("cy", language="en")
    with override_settings(CACHES=redis_caches):
        try:
            client.force_login(user, backend=BACKEND)
            client.get(reverse("accounts:profile"))
            assert caches["sessions"].get(fastpath.user_key(user.pk)) == user
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("accounts:profile")).status_code == 200
            assert _tables(queries) == []
            user.is_active = False
            user.save()
            assert caches["sessions"].get(fastpath.user_key(user.pk)) is None
            assert client.get(reverse("accounts:profile")).status_code == 302
        finally:
            # Never clear(): on Redis it flushes the whole database.
            caches["sessions"].delete_many(
                [fastpath.user_key(user.pk), fastpath.KEY_PREFIX + client.session.session_key]
            )
