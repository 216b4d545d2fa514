"""The organization's webhooks page and API: administrators only, the secret
shown once, a test delivery to a local receiver in the log with its status,
a private-network address refused with a form error."""

import pytest
from django.urls import reverse

from accounts.services import create_api_token
from notifications import endpoints
from notifications.models import WebhookDelivery, WebhookEndpoint
from tests.notifications.test_webhooks import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def _list(world):
    return reverse("webhooks:list", kwargs={"org": world.org.slug})


def _bearer(user):
    _token, raw = create_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _endpoint(world, settings, url="https://hooks.example.org/x"):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # no DNS in the tests
    return endpoints.create(organization=world.org, by=world.admin, url=url)


class TestWhoMay:
    def test_the_admin_sees_the_page_with_the_org_navigation(self, client, world):
        client.force_login(world.admin)
        response = client.get(_list(world))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="org-nav"' in html and 'id="add-webhook"' in html
        settings_page = client.get(reverse("circles:settings", kwargs={"org": world.org.slug}))
        assert _list(world) in settings_page.content.decode()

    def test_a_member_gets_403_and_an_outsider_404(self, client, world, settings):
        endpoint = _endpoint(world, settings)
        edit = reverse("webhooks:edit", kwargs={"org": world.org.slug, "pk": endpoint.pk})
        toggle = reverse("webhooks:toggle", kwargs={"org": world.org.slug, "pk": endpoint.pk})
        for user, status in ((world.member, 403), (world.outsider, 404), (world.other_member, 404)):
            client.force_login(user)
            assert client.get(_list(world)).status_code == status
            assert client.get(edit).status_code == status
            assert client.post(toggle).status_code == status
            assert (
                client.post(_list(world), {"url": "https://a.example.org/"}).status_code == status
            )
        endpoint.refresh_from_db()
        assert endpoint.active
        assert WebhookEndpoint.objects.count() == 1

    def test_anonymous_visitors_are_sent_to_log_in(self, client, world):
        response = client.get(_list(world))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    def test_the_services_refuse_a_member(self, world, settings):
        from core.errors import NotAllowed

        endpoint = _endpoint(world, settings)
        with pytest.raises(NotAllowed):
            endpoints.delete(endpoint=endpoint, by=world.member)
        with pytest.raises(NotAllowed):
            endpoints.create(organization=world.org, by=world.member, url="https://a.example.org/")
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


class TestManaging:
    def test_adding_shows_the_secret_once(self, client, world, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        client.force_login(world.admin)
        response = client.post(
            _list(world),
            {
                "url": "https://chat.example.org/hooks/abc",
                "format": "chat",
                "kinds": ["consent_asked"],
            },
        )
        assert response.status_code == 200
        endpoint = WebhookEndpoint.objects.get()
        assert (endpoint.organization, endpoint.format, endpoint.kinds) == (
            world.org,
            "chat",
            ["consent_asked"],
        )
        assert endpoint.secret in response.content.decode()
        again = client.get(_list(world)).content.decode()
        assert "https://chat.example.org/hooks/abc" in again
        assert endpoint.secret not in again

    def test_a_private_network_address_is_refused_with_a_form_error(self, client, world):
        client.force_login(world.admin)
        response = client.post(_list(world), {"url": "http://10.0.0.5/hook", "format": "json"})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert list(errors) == ["url"]
        assert errors["url"] == ["A webhook may not point to a private or local network address."]
        assert 'class="error-summary"' in response.content.decode()
        assert not WebhookEndpoint.objects.exists()

    def test_an_unknown_kind_is_refused(self, client, world, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        client.force_login(world.admin)
        response = client.post(
            _list(world), {"url": "https://a.example.org/", "format": "json", "kinds": ["nope"]}
        )
        assert response.status_code == 400 and "kinds" in response.context["form"].errors
        assert not WebhookEndpoint.objects.exists()

    def test_editing_disabling_enabling_and_deleting(self, client, world, settings):
        endpoint = _endpoint(world, settings)
        client.force_login(world.admin)
        kw = {"org": world.org.slug, "pk": endpoint.pk}
        response = client.post(
            reverse("webhooks:edit", kwargs=kw),
            {"url": "https://b.example.org/y", "format": "chat", "kinds": ["meeting_scheduled"]},
        )
        assert response.status_code == 302
        endpoint.refresh_from_db()
        assert (endpoint.url, endpoint.format, endpoint.kinds) == (
            "https://b.example.org/y",
            "chat",
            ["meeting_scheduled"],
        )
        response = client.post(reverse("webhooks:toggle", kwargs=kw), HTTP_HX_REQUEST="true")
        endpoint.refresh_from_db()
        assert not endpoint.active and endpoint.disabled_at is not None
        assert f'id="webhook-{endpoint.pk}"' in response.content.decode()
        assert "<html" not in response.content.decode()  # the panel only
        endpoint.failures = 7
        endpoint.save()
        client.post(reverse("webhooks:toggle", kwargs=kw))
        endpoint.refresh_from_db()
        assert endpoint.active and endpoint.failures == 0 and endpoint.disabled_at is None
        response = client.post(reverse("webhooks:delete", kwargs=kw), HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and response.content == b""
        assert not WebhookEndpoint.objects.exists()

    def test_another_organizations_endpoint_is_not_found(self, client, world, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        other = WebhookEndpoint.objects.create(
            organization=world.other_org, url="https://a.example.org/", secret="s"
        )
        client.force_login(world.admin)
        kw = {"org": world.org.slug, "pk": other.pk}
        assert client.get(reverse("webhooks:edit", kwargs=kw)).status_code == 404
        assert client.post(reverse("webhooks:delete", kwargs=kw)).status_code == 404
        assert WebhookEndpoint.objects.filter(pk=other.pk).exists()


class TestSendTest:
    def test_a_test_delivery_appears_in_the_log_with_its_status(
        self, client, world, settings, receiver, django_capture_on_commit_callbacks
    ):
        settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on loopback
        receiver.status = 204
        endpoint = _endpoint(world, settings, url=receiver.url)
        client.force_login(world.admin)
        kw = {"org": world.org.slug, "pk": endpoint.pk}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("webhooks:test", kwargs=kw),
                {"idempotency_key": "3f1c0b6e-2a4d-4c59-9d59-0b8f5c1f6a21"},
                HTTP_HX_REQUEST="true",
            )
        assert response.status_code == 200
        assert len(receiver.received) == 1
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.kind, delivery.status_code, delivery.ok, delivery.attempt) == (
            "webhook_test",
            204,
            True,
            1,
        )
        page = client.get(_list(world)).content.decode()
        assert "webhook_test" in page and ">204<" in page
        # The same key again queues nothing.
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("webhooks:test", kwargs=kw),
                {"idempotency_key": "3f1c0b6e-2a4d-4c59-9d59-0b8f5c1f6a21"},
            )
        assert len(receiver.received) == 1

    def test_a_failed_test_shows_its_status_code(
        self, client, world, settings, receiver, django_capture_on_commit_callbacks
    ):
        settings.JOB_MAX_ATTEMPTS = 1
        receiver.status = 500
        endpoint = _endpoint(world, settings, url=receiver.url)
        client.force_login(world.admin)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("webhooks:test", kwargs={"org": world.org.slug, "pk": endpoint.pk}))
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.status_code, delivery.ok, delivery.error) == (500, False, "HTTP 500")
        html = client.get(
            reverse("webhooks:edit", kwargs={"org": world.org.slug, "pk": endpoint.pk})
        ).content.decode()
        assert "HTTP 500" in html

    def test_a_disabled_endpoint_sends_no_test(self, client, world, settings, receiver):
        endpoint = _endpoint(world, settings, url=receiver.url)
        endpoints.set_active(endpoint=endpoint, by=world.admin, active=False)
        client.force_login(world.admin)
        client.post(reverse("webhooks:test", kwargs={"org": world.org.slug, "pk": endpoint.pk}))
        assert receiver.received == [] and not WebhookDelivery.objects.exists()


class TestApi:
    def test_create_list_update_test_deliveries_delete(
        self, client, world, settings, receiver, django_capture_on_commit_callbacks
    ):
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        auth = _bearer(world.admin)
        base = f"/api/v1/orgs/{world.org.slug}/webhooks"
        key = {"HTTP_IDEMPOTENCY_KEY": "9d1c0b6e-2a4d-4c59-9d59-0b8f5c1f6a21"}
        created = client.post(
            base,
            {"url": receiver.url, "kinds": ["consent_asked"]},
            content_type="application/json",
            **auth,
            **key,
        )
        assert created.status_code == 201, created.content
        body = created.json()
        endpoint = WebhookEndpoint.objects.get()
        assert body["secret"] == endpoint.secret and body["kinds"] == ["consent_asked"]
        replay = client.post(
            base, {"url": receiver.url}, content_type="application/json", **auth, **key
        )
        assert replay.status_code == 201 and replay.json()["id"] == endpoint.pk
        assert WebhookEndpoint.objects.count() == 1
        listed = client.get(base, **auth).json()
        assert [w["id"] for w in listed] == [endpoint.pk] and "secret" not in listed[0]
        patched = client.patch(
            f"{base}/{endpoint.pk}", {"format": "chat"}, content_type="application/json", **auth
        )
        assert patched.json()["format"] == "chat" and patched.json()["url"] == receiver.url
        with django_capture_on_commit_callbacks(execute=True):
            tested = client.post(f"{base}/{endpoint.pk}/test", **auth)
        assert tested.status_code == 202 and tested.json() == {"queued": True}
        (delivery,) = client.get(f"{base}/{endpoint.pk}/deliveries", **auth).json()
        assert (delivery["kind"], delivery["status_code"], delivery["ok"]) == (
            "webhook_test",
            200,
            True,
        )
        assert client.delete(f"{base}/{endpoint.pk}", **auth).status_code == 204
        assert not WebhookEndpoint.objects.exists()

    def test_a_private_address_is_refused_and_nothing_made(self, client, world):
        response = client.post(
            f"/api/v1/orgs/{world.org.slug}/webhooks",
            {"url": "http://192.168.1.10/hook"},
            content_type="application/json",
            **_bearer(world.admin),
        )
        assert response.status_code == 400
        assert response.json()["field"] == "url" and response.json()["code"] == "invalid"
        assert not WebhookEndpoint.objects.exists()

    def test_a_member_gets_403_and_an_outsider_404(self, client, world, settings):
        endpoint = _endpoint(world, settings)
        base = f"/api/v1/orgs/{world.org.slug}/webhooks"
        for user, status in ((world.member, 403), (world.outsider, 404)):
            auth = _bearer(user)
            assert client.get(base, **auth).status_code == status
            assert client.delete(f"{base}/{endpoint.pk}", **auth).status_code == status
            assert client.get(f"{base}/{endpoint.pk}/deliveries", **auth).status_code == status
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
