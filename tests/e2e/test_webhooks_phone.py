"""The webhooks page and the profile (with its time zone) on a 390 px phone:
nothing scrolls sideways, with a long address and a long delivery error."""

import json

import pytest

from tests.e2e.test_phone_layout import PHONE, WIDEST, demo  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hook(demo):  # noqa: F811
    from circles.demo import DEMO_SLUG
    from circles.models import Organization
    from notifications.models import WebhookDelivery, WebhookEndpoint

    org = Organization.objects.get(slug=DEMO_SLUG)
    endpoint = WebhookEndpoint.objects.create(
        organization=org,
        url="https://chat.example.org/hooks/" + "a1b2c3d4e5" * 8,
        secret="s",
        kinds=["consent_asked", "meeting_scheduled"],
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_key="webhook_test:1",
        kind="webhook_test",
        status_code=502,
        error="HTTP 502 " + "upstream-connect-error-or-disconnect/reset-before-headers" * 2,
    )
    return {**demo, "webhooks": f"/o/{DEMO_SLUG}/settings/webhooks/", "endpoint": endpoint}


def test_the_webhooks_page_and_the_profile_fit_a_phone(hook, new_page, log_in):
    page = new_page(viewport=PHONE)
    log_in(page, "claire@example.org", hook["password"])
    wide = {}
    for url in (
        hook["webhooks"],
        f"{hook['webhooks']}{hook['endpoint'].pk}/",
        "/accounts/profile/",
    ):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, url
        found = page.evaluate(WIDEST)
        if found["scroll"] > found["width"]:
            wide[url] = found
    assert wide == {}, json.dumps(wide, indent=1)
    page.goto(hook["webhooks"])
    assert "502" in page.locator(".deliveries").inner_text()
