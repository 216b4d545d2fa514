"""The selection page's record names each step by its label, never by its
code: it showed "(open)" and "(start_nominating)"."""

import re

from django.urls import reverse
from django.utils import translation

from elections.steps import OPEN, STEPS


def _record(client, world, election, lang="en") -> str:
    url = reverse("elections:election", kwargs={"org": world.org.slug, "pk": election.pk})
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    found = re.search(r'<section id="election-record".*?</section>', html, re.S)
    assert found
    return found.group(0)


def test_each_step_shows_its_label_not_its_code(client, world, nominating):
    client.force_login(world.fay)
    record = _record(client, world, nominating)
    assert "(open)" not in record and "start_nominating" not in record
    assert str(OPEN.label) in record
    assert str(STEPS["start_nominating"].label) in record


def test_in_french_too(client, world, nominating):
    world.fay.language = "fr"
    world.fay.save()
    client.force_login(world.fay)
    record = _record(client, world, nominating, lang="fr")
    assert "(open)" not in record and "start_nominating" not in record
    with translation.override("fr"):
        assert str(STEPS["start_nominating"].label) in record


def test_every_event_has_a_label(world, nominating):
    from elections.page import events

    for event in events(nominating):
        assert event.action_label and "_" not in event.action_label
