"""The API answers in its caller's language: the profile's, whether the
caller comes with a personal token or with the browser's session, as the
pages do (accounts.middleware); Accept-Language only for no one known."""

import pytest

from accounts.services import create_api_token, update_profile

MISSING = "/api/v1/me/notifications/999999/read"
FRENCH = "Cette notification n'existe pas."
ENGLISH = "This notification does not exist."


@pytest.fixture
def french(make_user):
    user = make_user("amelie")
    return update_profile(user=user, display_name="Amélie", language="fr")


def _token(user) -> dict:
    _token, raw = create_api_token(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("asks", ["en", "en-GB,en;q=0.9", ""])
def test_a_token_caller_reads_the_errors_in_their_profiles_language(client, french, asks):
    headers = {**_token(french), **({"HTTP_ACCEPT_LANGUAGE": asks} if asks else {})}
    response = client.post(MISSING, **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": FRENCH, "code": "not_found"}
    assert response["Content-Language"] == "fr"


def test_an_english_token_caller_in_a_french_browser_reads_english(client, make_user):
    user = update_profile(user=make_user("bob"), display_name="Bob", language="en")
    response = client.post(MISSING, HTTP_ACCEPT_LANGUAGE="fr", **_token(user))
    assert response.json()["detail"] == ENGLISH
    assert response["Content-Language"] == "en"


def test_a_session_caller_reads_their_profiles_language(client, french):
    client.force_login(french)
    client.cookies["django_language"] = "en"  # the cookie of an earlier visit
    response = client.get("/api/v1/me/notifications", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"


def test_the_next_anonymous_call_is_not_in_the_last_callers_language(client, french):
    client.post(MISSING, **_token(french))
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["Content-Language"] == "en"


def test_a_token_caller_reads_times_in_their_zone_and_the_next_call_in_the_site_s(
    client, make_user, settings
):
    """A notification's time (here a moved meeting's) in the token owner's
    zone, as the pages show it; the zone does not stay for the next call."""
    from django.utils import timezone

    from notifications.models import Notification

    user = make_user("kiri")
    update_profile(user=user, display_name="Kiri", language="en", time_zone="Pacific/Kiritimati")
    Notification.objects.create(
        recipient=user,
        kind="meeting_moved",
        params={"circle": "Ops", "title": "Weekly", "start": "2026-12-02T12:00:00+00:00"},
        event_key="moved:1",
    )
    settings.TIME_ZONE = "UTC"
    response = client.get("/api/v1/me/notifications", **_token(user))
    (text,) = [n["text"] for n in response.json()]
    assert "Dec. 3, 2026, 2 a.m." in text, text  # 12:00 UTC is 02:00 the next day there
    # The thread's next request (someone unknown) is in the site's zone again.
    assert timezone.get_current_timezone_name() == "UTC"
