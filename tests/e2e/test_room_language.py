"""An English viewer in a French meeting reads the room in English (issue 17.3).

Fay (French) runs a meeting of a French collective; Bo reads English. Every
shared fragment pushed to the room (the agenda, the state, presence, the
timer) is rendered once per language and each browser gets its own: Bo's
stays English after every push, Fay's French.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from circles import services as circle_services
from circles.models import Circle, OrganizationMember, Role
from realtime import services as meeting_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 8_000


@pytest.fixture
def french_meeting(make_user):
    admin = make_user("admin", display_name="Admin", language="fr")
    fay = make_user("fay", language="fr")
    bo = make_user("bo", language="en")
    org = circle_services.create_organization(
        name="Jardin partagé", slug="jardin", by=admin, language="fr"
    )
    circle = Circle.objects.get(organization=org, parent__isnull=True)
    for person in (fay, bo):
        OrganizationMember.objects.create(organization=org, user=person)
        circle_services.add_member(circle=circle, user=person, by=admin)
    circle_services.assign_role(
        role=Role.objects.get(circle=circle, kind=Role.Kind.FACILITATOR), user=fay, by=admin
    )
    meeting = meeting_services.schedule_meeting(
        circle=circle,
        title="Réunion du jardin",
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
