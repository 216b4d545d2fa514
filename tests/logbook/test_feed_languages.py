"""Which language a feed or an export speaks: the person it is for.

A private link is its owner's: the calendar app that reads it names no one
and asks for no language (or its own), so the feed is in the owner's
language. A signed-in reader reads their own; a public log read by no one
known is in the organization's language (which its Atom feed declares). A
streamed export is written in its reader's language and zone to its last line.
"""

import zoneinfo
from datetime import datetime

import pytest
from django.urls import reverse

from accounts.services import update_profile
from circles import services as circle_services
from logbook import feeds

FR_CALENDAR = "Révisions et fins de mandat"
EN_CALENDAR = "Reviews and term ends"
FR_FEED = "Décisions de l'organisation Acme"
EN_FEED = "Decisions of Acme"


@pytest.fixture
def french_org(world):
    org = circle_services.update_organization(
        organization=world.org, by=world.admin, name="Acme", language="fr", public_log=True
    )
    return org


def _calname(response) -> str:
    assert response.status_code == 200, response.content
    line = next(x for x in response.content.decode().splitlines() if x.startswith("X-WR-CALNAME"))
    return line


def _body(response) -> str:
    assert response.status_code == 200, response.content
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.parametrize("owner", ["fr", "en"])
@pytest.mark.parametrize("name", ["logbook:calendar", "logbook:my_calendar"])
def test_a_private_link_is_in_its_owner_s_language(client, world, french_org, owner, name):
    ana = update_profile(user=world.ana, display_name="Ana", language=owner)
    _token, raw = feeds.create_feed_token(user=ana, organization=french_org)
    other = "fr" if owner == "en" else "en"
    response = client.get(
        reverse(name, kwargs={"org": "acme"}), {"token": raw}, HTTP_ACCEPT_LANGUAGE=other
    )
    assert (FR_CALENDAR if owner == "fr" else EN_CALENDAR) in _calname(response)


@pytest.mark.parametrize(
    ("name", "french", "english"),
    [("logbook:calendar", FR_CALENDAR, EN_CALENDAR), ("logbook:feed", FR_FEED, EN_FEED)],
)
def test_a_public_log_read_by_no_one_known_is_in_the_organization_s_language(
    client, french_org, name, french, english
):
    for asks in ("en", ""):
        headers = {"HTTP_ACCEPT_LANGUAGE": asks} if asks else {}
        body = _body(client.get(reverse(name, kwargs={"org": "acme"}), **headers))
        assert french in body and english not in body


def test_a_signed_in_reader_reads_their_own_language(client, world, french_org):
    bo = update_profile(user=world.bo, display_name="Bo", language="en")
    client.force_login(bo)
    body = _body(client.get(reverse("logbook:feed", kwargs={"org": "acme"})))
    assert EN_FEED in body and FR_FEED not in body
    assert EN_CALENDAR in _calname(client.get(reverse("logbook:calendar", kwargs={"org": "acme"})))


def test_a_streamed_export_is_in_its_reader_s_language_and_zone(client, world, french_org):
    ana = update_profile(
        user=world.ana, display_name="Ana", language="fr", time_zone="Pacific/Kiritimati"
    )
    client.force_login(ana)
    text = _body(client.get(reverse("logbook:export", kwargs={"org": "acme", "fmt": "md"})))
    assert text.startswith("# Registre des décisions"), text[:80]
    decided = french_org.decisions.order_by("sequence").first().decided_at
    local = decided.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    assert f"{local:%Y-%m-%d %H:%M}" in text
    assert isinstance(decided, datetime)
