"""The profile page (display name, language), the language menu, password reset."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, "no lang attribute on <html>"
    return match.group(1)


class TestProfile:
    def test_it_saves_the_display_name_and_language(self, client, make_user):
        alice = make_user("alice", language="fr")
        client.force_login(alice)
        response = client.post(
            reverse("accounts:profile"), {"display_name": "  Alice Martin ", "language": "en"}
        )
        assert response.status_code == 302
        alice.refresh_from_db()
        assert alice.display_name == "Alice Martin"
        assert alice.language == "en"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        page = client.get(reverse("accounts:profile"))
        assert html_lang(page) == "en"
        assert "Alice Martin" in page.content.decode()
        assert "Your profile is saved." in page.content.decode()

    def test_it_refuses_an_unknown_language(self, client, make_user):
        alice = make_user("alice", language="fr")
        client.force_login(alice)
        response = client.post(
            reverse("accounts:profile"), {"display_name": "Changed", "language": "xx"}
        )
        assert response.status_code == 200
        alice.refresh_from_db()
        assert (alice.display_name, alice.language) == ("Alice", "fr")

    def test_it_shows_the_page_in_the_users_language(self, client, make_user):
        client.force_login(make_user("alice", language="en"))
        assert html_lang(client.get(reverse("home"))) == "en"
        client.force_login(make_user("bob", language="fr"))
        assert html_lang(client.get(reverse("home"))) == "fr"


class TestLanguageMenu:
    def test_it_stores_a_logged_in_users_choice(self, client, make_user):
        alice = make_user("alice", language="fr")
        client.force_login(alice)
        response = client.post(
            reverse("accounts:set_language"), {"language": "en", "next": "/accounts/profile/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/profile/"
        alice.refresh_from_db()
        assert alice.language == "en"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        assert html_lang(client.get("/accounts/profile/")) == "en"

    def test_it_keeps_an_anonymous_choice_in_a_cookie(self, client):
        response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        assert html_lang(client.get("/")) == "en"
        client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/"})
        assert html_lang(client.get("/")) == "fr"

    def test_it_ignores_an_unknown_language(self, client, make_user):
        alice = make_user("alice", language="fr")
        client.force_login(alice)
        client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
        alice.refresh_from_db()
        assert alice.language == "fr"

    def test_it_does_not_redirect_off_site(self, client):
        response = client.post(
            reverse("accounts:set_language"), {"language": "en", "next": "https://evil.test/"}
        )
        assert "evil.test" not in response.get("Location", "")

    def test_it_is_on_every_page(self, client):
        page = client.get(reverse("accounts:login")).content.decode()
        assert 'action="/accounts/language/"' in page
        assert 'value="en"' in page and 'value="fr"' in page


class TestPasswordReset:
    def test_it_sends_one_email_with_a_working_link(self, client, make_user):
        alice = make_user("alice")
        response = client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["alice@example.org"]
        link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", message.body)
        assert link, message.body
        # The link redirects once to the form (Django hides the token from the address).
        form_page = client.get(link.group(1), follow=True)
        assert form_page.context["validlink"] is True
        done = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "a brand new pass 42", "new_password2": "a brand new pass 42"},
        )
        assert done.status_code == 302
        alice.refresh_from_db()
        assert alice.check_password("a brand new pass 42")
        # Used once: the same link no longer works.
        again = client.get(link.group(1), follow=True)
        assert again.context["validlink"] is False

    @pytest.mark.parametrize(("asker", "account"), [("en", "fr"), ("fr", "en")])
    def test_the_email_is_in_the_account_s_language_not_the_asker_s(
        self, client, make_user, asker, account
    ):
        """Whoever asks (a visitor, in their browser's language) is not
        known; the email goes to the account's owner, in their language."""
        make_user("alice", language=account)
        client.cookies["django_language"] = asker
        client.post(
            reverse("accounts:password_reset"),
            {"email": "alice@example.org"},
            HTTP_ACCEPT_LANGUAGE=asker,
        )
        (message,) = mail.outbox
        subject = {"fr": "Cercle : choisissez un nouveau mot de passe"}
        assert message.subject == subject.get(account, "Cercle: choose a new password")

    def test_it_says_the_same_for_an_unknown_address(self, client, make_user):
        make_user("alice")
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert mail.outbox == []


class TestUserModel:
    def test_it_stores_addresses_in_lower_case(self, db):
        user = User.objects.create_user(email="Alice@Example.ORG", password="x")
        assert user.email == "alice@example.org"

    def test_it_refuses_two_accounts_for_one_address(self, db):
        from django.db import IntegrityError, transaction

        User.objects.create_user(email="alice@example.org", password="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(email="ALICE@example.org", password="x")
        assert User.objects.count() == 1

    def test_it_refuses_an_address_that_differs_only_in_case_at_the_database(self, db):
        from django.db import IntegrityError, transaction

        User.objects.create_user(email="alice@example.org", password="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            # Bypasses the manager's lower-casing, as the admin's form would.
            User.objects.create(email="Alice@Example.org")
        assert User.objects.count() == 1


class TestPasswordResetLimit:
    """46 requests used to send 46 emails: now a few per address and per client."""

    def ask(self, client, email, ip="203.0.113.5"):
        return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)

    @override_settings(PASSWORD_RESET_LIMIT_PER_ADDRESS=3, PASSWORD_RESET_LIMIT_PER_CLIENT=100)
    def test_the_fourth_request_for_one_address_sends_no_email_and_says_so(self, client, make_user):
        make_user("alice")
        for n in range(3):
            assert self.ask(client, "alice@example.org", ip=f"203.0.113.{n}").status_code == 302
        assert len(mail.outbox) == 3
        refused = self.ask(client, "Alice@Example.org", ip="203.0.113.99")
        assert refused.status_code == 429
        assert len(mail.outbox) == 3
        assert "Too many password reset requests" in refused.content.decode()

    @override_settings(PASSWORD_RESET_LIMIT_PER_ADDRESS=3, PASSWORD_RESET_LIMIT_PER_CLIENT=100)
    def test_the_answer_is_the_same_for_an_unknown_address(self, client, make_user):
        make_user("alice")
        answers = {}
        for email in ("alice@example.org", "nobody@example.org"):
            for _ in range(3):
                self.ask(client, email)
            answers[email] = self.ask(client, email)
        known, unknown = answers.values()
        assert known.status_code == unknown.status_code == 429
        assert _comparable(known) == _comparable(unknown)

    @override_settings(PASSWORD_RESET_LIMIT_PER_ADDRESS=100, PASSWORD_RESET_LIMIT_PER_CLIENT=5)
    def test_one_client_is_limited_across_addresses(self, client, make_user):
        for n in range(6):
            make_user(f"user{n}")
        answers = [self.ask(client, f"user{n}@example.org").status_code for n in range(6)]
        assert answers == [302] * 5 + [429]
        assert len(mail.outbox) == 5
        # Another client is not held back by that one.
        assert self.ask(client, "user0@example.org", ip="198.51.100.7").status_code == 302


def _comparable(response) -> str:
    """The page without what differs anyway: the typed address, tokens, nonces."""
    page = response.content.decode()
    page = page.replace("alice@example.org", "X").replace("nobody@example.org", "X")
    return re.sub(r'(value="|nonce="|CSRFToken": ")[^"]*"', "", page)


class TestLanguageCookie:
    """HTTPS=1 sets LANGUAGE_COOKIE_SECURE (tests/core/test_settings_guard.py)."""

    @override_settings(LANGUAGE_COOKIE_SECURE=True)
    def test_the_language_menu_sets_a_secure_cookie(self, client):
        response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"] is True

    @override_settings(LANGUAGE_COOKIE_SECURE=True)
    def test_the_profile_sets_a_secure_cookie(self, client, make_user):
        client.force_login(make_user("alice"))
        response = client.post(
            reverse("accounts:profile"), {"display_name": "Alice", "language": "en"}
        )
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"] is True
