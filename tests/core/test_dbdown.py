"""core.dbdown: an unreachable database is told apart from a bug."""

import json
import logging
import sys

import psycopg
from django.db import OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from core import events
from core.dbdown import unavailable_reason
from core.views import error_500


def _raised(exc: BaseException, cause: BaseException) -> BaseException:
    """``exc`` raised from ``cause``, as Django wraps a driver's error."""
    try:
        raise exc from cause
    except BaseException as raised:
        return raised


class TestUnavailableReason:
    def test_the_pool_giving_no_connection(self):
        exc = _raised(OperationalError("wrapped"), PoolTimeout("couldn't get a connection"))
        assert unavailable_reason(exc) == "couldn't get a connection"

    def test_a_connection_refused_or_timed_out(self):
        exc = _raised(OperationalError("w"), psycopg.OperationalError("connection failed: x\ny"))
        assert unavailable_reason(exc) == "connection failed: x"
        timeout = psycopg.errors.ConnectionTimeout("connection timeout expired")
        assert unavailable_reason(timeout) == "connection timeout expired"

    def test_a_query_failing_on_a_live_connection_is_a_bug_to_see(self):
        assert unavailable_reason(psycopg.errors.DeadlockDetected("deadlock")) is None
        assert unavailable_reason(OperationalError("no such table: x")) is None  # SQLite
        assert unavailable_reason(ValueError("a bug")) is None
        assert unavailable_reason(None) is None


class TestErrorPage:
    def page(self, exc, path="/somewhere/"):
        request = RequestFactory().get(path)
        try:
            raise exc
        except BaseException:
            assert sys.exc_info()[1] is not None
            return error_500(request)

    def test_a_bug_is_a_500_left_to_django_s_log(self):
        response = self.page(ValueError("a bug"))
        assert response.status_code == 500
        assert not getattr(response, "_has_been_logged", False)

    def test_the_database_unreachable_is_a_503_logged_once(self, caplog):
        events.reset_throttle()
        exc = _raised(
            OperationalError("w"), PoolTimeout("couldn't get a connection after 3.00 sec")
        )
        with caplog.at_level(logging.ERROR, logger="cercle.database"):
            responses = [self.page(exc) for _ in range(5)]
        for response in responses:
            assert response.status_code == 503
            assert response["Retry-After"] == "5"
            assert response._has_been_logged  # Django logs no traceback for it
            assert b"Traceback" not in response.content
        lines = [r.getMessage() for r in caplog.records if r.name == "cercle.database"]
        assert lines == [
            "database unavailable (couldn't get a connection after 3.00 sec): "
            "GET /somewhere/ answered 503"
        ]

    def test_the_api_answers_its_own_error_format(self):
        events.reset_throttle()
        exc = _raised(OperationalError("w"), PoolTimeout("couldn't get a connection"))
        response = self.page(exc, path="/api/v1/me")
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content)["code"] == "unavailable"
