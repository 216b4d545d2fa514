"""Invitations end to end: the email, the link used once, expiry, revocation."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from circles import selectors, services
from circles.models import Invitation


def invite_by_page(world, email="new@example.org"):
    client = Client()
    client.force_login(world.admin)
    # The email is sent after commit; the test client commits like a request.
    response = client.post(
        "/o/acme/members/invite/", {"email": email, "circle": world.ops.pk}, follow=True
    )
    assert response.status_code == 200
    return response


def link_in(message) -> str:
    return re.search(r"https?://\S+/invitations/(\S+)/", message.body).group(0)


class TestInvitations:
    def test_a_new_person_sets_a_password_and_joins(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = invite_by_page(world)
        assert "new@example.org" in response.content.decode()  # listed as pending
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
        url = link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
        client = Client()
        page = client.get("/" + url)
        assert page.status_code == 200 and "Ops" in page.content.decode()
        response = client.post(
            "/" + url, {"display_name": "Nina", "password": "a long enough secret"}
        )
        assert response.status_code == 302 and response["Location"].endswith("/o/acme/c/ops/")
        nina = get_user_model().objects.get(email="new@example.org")
        assert nina.display_name == "Nina"
        assert selectors.is_org_member(nina, world.org)
        assert selectors.is_circle_member(nina, world.ops)
        assert world.org.decisions.filter(record__action="member_joined").count() == 1
        assert client.get("/o/acme/c/ops/").status_code == 200  # logged in
        # Used once.
        again = Client().get("/" + url)
        assert again.status_code == 410 and "already used" in again.content.decode()

    def test_an_existing_user_accepts_when_logged_in(self, world):
        _inv, raw = services.invite(circle=world.ops, email=world.org_member.email, by=world.admin)
        client = Client()
        anonymous = client.get(f"/invitations/{raw}/").content.decode()
        assert "log in to accept" in anonymous
        client.force_login(world.org_member)
        response = client.post(f"/invitations/{raw}/")
        assert response.status_code == 302
        assert selectors.is_circle_member(world.org_member, world.ops)

    def test_someone_else_cannot_use_the_link(self, world, snap):
        _inv, raw = services.invite(circle=world.ops, email="x@example.org", by=world.admin)
        before = snap(world.org)
        client = Client()
        client.force_login(world.outsider)
        response = client.post(f"/invitations/{raw}/")
        assert "another address" in response.content.decode()
        assert snap(world.org) == before

    def test_an_expired_link_is_refused(self, world, snap):
        inv, raw = services.invite(circle=world.ops, email="late@example.org", by=world.admin)
        Invitation.objects.filter(pk=inv.pk).update(expires=timezone.now() - timedelta(minutes=1))
        before = snap(world.org)
        response = Client().post(
            f"/invitations/{raw}/", {"display_name": "Late", "password": "a long enough secret"}
        )
        assert response.status_code == 410 and "expired" in response.content.decode()
        assert not get_user_model().objects.filter(email="late@example.org").exists()
        assert snap(world.org) == before

    def test_a_revoked_link_is_refused(self, world, snap):
        client = Client()
        client.force_login(world.admin)
        inv, raw = services.invite(circle=world.ops, email="gone@example.org", by=world.admin)
        client.post(f"/o/acme/invitations/{inv.pk}/revoke/", follow=True)
        inv.refresh_from_db()
        assert inv.revoked is not None
        assert "gone@example.org" not in client.get("/o/acme/members/").content.decode()
        before = snap(world.org)
        response = Client().post(
            f"/invitations/{raw}/", {"display_name": "Gone", "password": "a long enough secret"}
        )
        assert response.status_code == 410 and "revoked" in response.content.decode()
        assert snap(world.org) == before

    def test_an_unknown_link_is_404(self, world):
        response = Client().get("/invitations/not-a-token/")
        assert response.status_code == 404 and "not valid" in response.content.decode()

    def test_a_weak_password_is_a_form_error(self, world):
        _inv, raw = services.invite(circle=world.ops, email="weak@example.org", by=world.admin)
        response = Client().post(f"/invitations/{raw}/", {"display_name": "W", "password": "123"})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
        assert not get_user_model().objects.filter(email="weak@example.org").exists()

    def test_a_bad_email_is_a_form_error(self, world):
        response = invite_by_page(world, email="not an email")
        assert "There is a problem" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_the_api_invites_and_accepts(self, world, django_capture_on_commit_callbacks):
        client = Client()
        client.force_login(world.admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/orgs/acme/invitations",
                {"email": world.org_member.email, "circle": "ops"},
                content_type="application/json",
            )
        assert response.status_code == 201
        token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
        member = Client()
        member.force_login(world.org_member)
        response = member.post(
            "/api/v1/invitations/accept", {"token": token}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["slug"] == "acme"
        response = member.post(
            "/api/v1/invitations/accept", {"token": token}, content_type="application/json"
        )
        assert response.status_code == 409 and response.json()["code"] == "conflict"


class TestTheNewAccountsLanguage:
    """A new person's account speaks the language their invitation was
    written in (the members list's, else the inviter's), not the
    organization's default: the person read the invitation in it."""

    def _accept(self, raw, name="Nina"):
        from circles import services as circle_services

        return circle_services.accept_invitation(
            token=raw, password="a long enough secret", display_name=name
        )

    def test_an_invitation_in_english_in_a_french_organization(self, world):
        from django.utils import translation

        services.update_organization(
            organization=world.org, by=world.admin, name="Acme", language="fr",
            public_log=world.org.public_log,
        )  # fmt: skip
        listed, raw_listed = services.invite(
            circle=world.ops, email="listed@example.org", by=world.admin, language="en"
        )
        with translation.override("en"):  # the inviter reads English
            _inv, raw_english = services.invite(
                circle=world.ops, email="asked@example.org", by=world.admin
            )
        with translation.override("fr"):
            _inv, raw_french = services.invite(
                circle=world.ops, email="french@example.org", by=world.admin
            )
        assert listed.language == "en"
        for raw, email, language in (
            (raw_listed, "listed@example.org", "en"),
            (raw_english, "asked@example.org", "en"),
            (raw_french, "french@example.org", "fr"),
        ):
            self._accept(raw)
            assert get_user_model().objects.get(email=email).language == language


def test_an_invitation_s_expiry_is_in_the_invitee_s_time_zone(
    world, django_capture_on_commit_callbacks
):
    """Someone with an account reads until when the link works in their own
    zone, not the inviter's (the site's here)."""
    import zoneinfo

    from accounts.services import update_profile

    olga = update_profile(
        user=world.org_member, display_name="Olga", language="en", time_zone="Pacific/Kiritimati"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _raw = services.invite(circle=world.ops, email=olga.email, by=world.admin)
    (message,) = [m for m in mail.outbox if m.to == [olga.email]]
    there = invitation.expires.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    assert f"until {there:%Y-%m-%d %H:%M}" in message.body, message.body
