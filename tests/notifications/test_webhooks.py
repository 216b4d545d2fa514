"""Webhooks: signed, timestamped JSON to a local receiver; retries, then disabled;
no request to a private address unless allowed."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.test import override_settings

from core.errors import Invalid
from notifications import tasks, webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint
from proposals import services as proposal_services
from tests.notifications.test_notifications import _presented
from tests.proposals.conftest import build_team


class Receiver:
    """A loopback HTTP server that records what it receives and answers ``status``."""

    def __init__(self, status=200):
        self.status = status
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def team(db, make_user):
    return build_team(make_user)


@pytest.fixture
def database_backend(settings):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def _work():
    call_command("run_worker", "--batch", "--no-scheduler", verbosity=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_backend")
class TestDeliveries:
    def test_an_event_is_signed_and_the_signature_verifies(self, make_user, receiver, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on loopback
        team = build_team(make_user)
        endpoint = webhooks.add_endpoint(organization=team.organization, url=receiver.url)
        p = _presented(team, None)
        proposal_services.open_consent_round(proposal=p, by=team.facilitator)
        _work()
        ((headers, body),) = receiver.received
        expected = hmac.new(
            endpoint.secret.encode(),
            headers["X-Cercle-Timestamp"].encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        assert headers["X-Cercle-Signature"] == f"sha256={expected}"
        payload = json.loads(body)
        assert payload["kind"] == "consent_asked"
        assert payload["url"].startswith("http://testserver/o/acme/proposals/")
        assert WebhookDelivery.objects.get().ok

    def test_the_chat_format_is_one_text(self, make_user, receiver, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        team = build_team(make_user)
        webhooks.add_endpoint(organization=team.organization, url=receiver.url, format="chat")
        endpoint = WebhookEndpoint.objects.get()
        tasks.send_webhook_test(endpoint=endpoint)
        _work()
        ((_headers, body),) = receiver.received
        assert json.loads(body) == {"text": "A test message from Cercle."}

    def test_a_failing_endpoint_is_retried_then_disabled(
        self, make_user, receiver, settings, monkeypatch
    ):
        from core import jobs

        settings.WEBHOOKS_ALLOW_PRIVATE = True
        settings.WEBHOOK_MAX_FAILURES = 3
        monkeypatch.setattr(jobs, "backoff", lambda attempt: timedelta(0))
        receiver.status = 500
        team = build_team(make_user)
        endpoint = webhooks.add_endpoint(organization=team.organization, url=receiver.url)
        tasks.send_webhook_test(endpoint=endpoint)
        _work()
        assert len(receiver.received) == 3
        assert list(WebhookDelivery.objects.values_list("status_code", flat=True)) == [500] * 3
        endpoint.refresh_from_db()
        assert not endpoint.active and endpoint.disabled_at is not None


class TestPrivateTargets:
    def test_a_loopback_or_private_address_is_refused_by_default(self, team):
        for url in ("http://127.0.0.1:9/x", "http://10.0.0.5/x", "http://[::1]/x", "ftp://a.b/"):
            with pytest.raises(Invalid):
                webhooks.add_endpoint(organization=team.organization, url=url)
        assert not WebhookEndpoint.objects.exists()

    def test_an_endpoint_turned_private_later_gets_no_request(self, team, receiver, settings):
        endpoint = WebhookEndpoint.objects.create(
            organization=team.organization, url=receiver.url, secret="s"
        )
        settings.JOB_MAX_ATTEMPTS = 1
        with pytest.raises(RuntimeError):
            webhooks.deliver(
                endpoint_id=endpoint.pk, kind="webhook_test", params={}, url="", key="k", attempt=1
            )
        assert receiver.received == []
        assert "private" in WebhookDelivery.objects.get().error
