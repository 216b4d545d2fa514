"""An English viewer in a French meeting reads the room in English (issue 17.3).

Fay (French) runs a meeting of Ops in Acme, a French collective; Bo reads English. Every
shared fragment pushed to the room (the agenda, the state, presence, the
timer) is rendered once per language and each browser gets its own: Bo's
stays English after every push, Fay's French.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles import services as circle_services
from realtime import services as meeting_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 8_000


@pytest.fixture
def french_meeting(world):
    """Acme's settings say French, and so does Fay; Bo reads English."""
    from accounts.services import update_profile

    admin, org = world.admin, world.org
    circle_services.update_organization(
        organization=org, by=admin, name=org.name, language="fr", public_log=org.public_log
    )
    fay = update_profile(user=world.facilitator, display_name="Fay", language="fr")
    update_profile(user=world.bo, display_name="Bo", language="en")
    meeting = meeting_services.schedule_meeting(
        circle=world.ops,
        title="Réunion d'Ops",
        scheduled_start=timezone.now() + timedelta(minutes=5),
        facilitator=fay,
        by=fay,
    )
    meeting_services.add_item(meeting=meeting, kind="other", title="Les outils", by=fay)
    return meeting.room_url()  # read here: the ORM is not for Playwright's thread


class TestAnEnglishViewerInAFrenchMeeting:
    def test_every_push_reaches_each_viewer_in_their_language(
        self, french_meeting, password, new_page, log_in
    ):
        pages = {}
        for name in ("fay", "bo"):
            page = new_page(viewport={"width": 1280, "height": 900})
            log_in(page, f"{name}@example.org", password)
            page.goto(french_meeting)
            pages[name] = page
        fay, bo = pages["fay"], pages["bo"]
        expect(fay.locator("#room-agenda h2")).to_have_text("Ordre du jour")
        expect(bo.locator("#room-agenda h2")).to_have_text("Agenda")

        # Fay opens the meeting: the pushed room is French for her, English for Bo.
        fay.locator("#room-controls form[action$='/open/'] button[type=submit]").click()
        for page in (fay, bo):
            expect(page.locator("#room-state")).to_have_attribute(
                "data-state", "open", timeout=LIVE
            )
        expect(bo.locator("#room-agenda h2")).to_have_text("Agenda")
        expect(bo.locator("#room-minutes h2")).to_have_text("Minutes so far")
        expect(fay.locator("#room-agenda h2")).to_have_text("Ordre du jour")
        expect(fay.locator("#room-minutes h2")).not_to_have_text("Minutes so far")
        expect(bo.locator("#room-presence h2")).to_have_text("2 present", timeout=LIVE)
