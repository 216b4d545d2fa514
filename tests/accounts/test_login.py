"""Logging in and out, the wrong-password message, and throttling (django-axes)."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

WRONG = "Wrong email address or password."


def login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def logged_in_as(client) -> str | None:
    response = client.get(reverse("home"))
    user = response.wsgi_request.user
    return user.email if user.is_authenticated else None


class TestLogin:
    def test_it_logs_in_with_the_right_password(self, client, make_user, password):
        alice = make_user("alice")
        response = login(client, "alice@example.org", password)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert logged_in_as(client) == alice.email
        page = client.get(reverse("home")).content.decode()
        assert "Your organizations" in page or "Vos organisations" in page

    def test_it_ignores_the_case_of_the_address(self, client, make_user, password):
        make_user("alice")
        login(client, "Alice@Example.ORG", password)
        assert logged_in_as(client) == "alice@example.org"

    def test_it_says_the_same_for_an_unknown_address_and_a_wrong_password(self, client, make_user):
        make_user("alice")
        wrong_password = login(client, "alice@example.org", "not the password")
        client.cookies.clear()
        unknown = login(client, "nobody@example.org", "not the password")
        for response in (wrong_password, unknown):
            assert response.status_code == 200
            assert WRONG in response.content.decode()
        assert logged_in_as(client) is None

    def test_it_logs_out_with_a_post(self, client, make_user, password):
        make_user("alice")
        login(client, "alice@example.org", password)
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert logged_in_as(client) is None

    def test_it_sends_an_authenticated_user_home(self, client, make_user):
        client.force_login(make_user("alice"))
        response = client.get(reverse("accounts:login"))
        assert response.status_code == 302

    def test_it_follows_next_to_a_safe_page_only(self, client, make_user, password):
        make_user("alice")
        response = client.post(
            reverse("accounts:login"),
            {"username": "alice@example.org", "password": password, "next": "https://evil.test/"},
        )
        assert response["Location"] == reverse("home")


class TestThrottling:
    def test_it_locks_out_after_the_failure_limit(self, client, make_user, password):
        make_user("alice")
        limit = settings.AXES_FAILURE_LIMIT
        for _ in range(limit - 1):
            response = login(client, "alice@example.org", "wrong")
            assert WRONG in response.content.decode()
        locked = login(client, "alice@example.org", "wrong")
        assert locked.status_code == 429
        assert "Too many failed attempts" in locked.content.decode() or (
            "Trop de" in locked.content.decode()
        )
        # Even the right password is refused until the cool-off ends.
        again = login(client, "alice@example.org", password)
        assert again.status_code == 429
        assert logged_in_as(client) is None

    def test_it_keeps_other_accounts_open(self, client, make_user, password):
        make_user("alice")
        make_user("bob")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "alice@example.org", "wrong")
        response = login(client, "bob@example.org", password)
        assert response.status_code == 302
        assert logged_in_as(client) == "bob@example.org"

    def test_it_lets_the_user_in_after_the_cool_off(self, client, make_user, password):
        from axes.models import AccessAttempt

        make_user("alice")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "alice@example.org", "wrong")
        assert login(client, "alice@example.org", password).status_code == 429
        # The cool-off has passed: the attempts expire (what axes' cleanup does).
        AccessAttempt.objects.all().delete()
        assert login(client, "alice@example.org", password).status_code == 302

    def test_it_resets_the_count_after_a_success(self, client, make_user, password):
        make_user("alice")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            login(client, "alice@example.org", "wrong")
        assert login(client, "alice@example.org", password).status_code == 302
        client.post(reverse("accounts:logout"))
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login(client, "alice@example.org", "wrong").status_code == 200
        assert User.objects.get(email="alice@example.org").is_active
