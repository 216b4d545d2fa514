"""On a 390 px phone (issue 17, item 8): no page of the demo collective scrolls
sideways, the org chart's text stays readable, a member's answer form is near
the top of the room and the facilitator's step controls are in the bar."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.test_live_meeting import LIVE
from tests.e2e.test_room_trust import _open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

WIDEST = """() => {
  const width = window.innerWidth;
  const over = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      over.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, over: over.slice(0, 30)};
}"""


@pytest.fixture
def demo(db):
    """The demo collective (manage.py seed_demo), as a new user would see it."""
    call_command("seed_demo", stdout=io.StringIO())
    from circles.demo import DEMO_PASSWORD, DEMO_SLUG
    from circles.models import Circle
    from elections.models import Election
    from proposals.models import Proposal
    from realtime.models import Meeting
    from tensions.models import Tension

    org = f"/o/{DEMO_SLUG}/"
    meeting = Meeting.objects.filter(circle__organization__slug=DEMO_SLUG).first()
    pages = [
        "/",
        org,
        org + "chart/",
        org + "log/",
        org + "terms/",
        org + "members/",
        org + "elections/",
        org + "meetings/",
        *[c.get_absolute_url() for c in Circle.objects.filter(organization__slug=DEMO_SLUG)[:3]],
        *[
            reverse("proposals:detail", kwargs={"org": DEMO_SLUG, "pk": p.pk})
            for p in Proposal.objects.filter(circle__organization__slug=DEMO_SLUG)[:2]
        ],
        *[
            reverse("elections:election", kwargs={"org": DEMO_SLUG, "pk": e.pk})
            for e in Election.objects.filter(circle__organization__slug=DEMO_SLUG)[:1]
        ],
        meeting.get_absolute_url(),
        meeting.room_url(),
        # Scheduling (its template) and the circle's meeting templates.
        reverse("realtime:new", kwargs={"org": DEMO_SLUG}) + f"?circle={meeting.circle.slug}",
        reverse("realtime:templates", kwargs={"org": DEMO_SLUG}) + f"?circle={meeting.circle.slug}",
        # The pages of tensions, relays, policies, notifications and settings.
        reverse("tensions:mine", kwargs={"org": DEMO_SLUG}),
        reverse("tensions:raise", kwargs={"org": DEMO_SLUG}),
        *[
            reverse("tensions:detail", kwargs={"org": DEMO_SLUG, "pk": t.pk})
            for t in Tension.objects.filter(organization__slug=DEMO_SLUG)[:2]
        ],
        *[
            reverse(name, kwargs={"org": DEMO_SLUG, "circle": c.slug})
            for c in Circle.objects.filter(organization__slug=DEMO_SLUG)[:2]
            for name in ("tensions:backlog", "circles:relays", "logbook:policies", "proposals:list")
        ],
        reverse("notifications:list"),
        reverse("notifications:preferences"),
        reverse("accounts:profile"),
        reverse("circles:settings", kwargs={"org": DEMO_SLUG}),
    ]
    return {"pages": pages, "password": DEMO_PASSWORD, "chart": org + "chart/"}


@pytest.fixture(params=["fr", "en"])
def language(request, demo):
    """Claire reads the demo in French, then in English (set before the browser starts)."""
    from accounts.models import User

    User.objects.filter(email="claire@example.org").update(language=request.param)
    return request.param


class TestAPhone:
    def test_no_page_scrolls_sideways_and_the_chart_is_readable(
        self, demo, language, new_page, log_in
    ):
        page = new_page(viewport=PHONE)
        log_in(page, "claire@example.org", demo["password"])
        wide = {}
        for url in demo["pages"]:
            response = page.goto(url)
            assert response.status == 200, url
            page.wait_for_load_state("load")
            assert page.evaluate("document.documentElement.lang") == language, url
            found = page.evaluate(WIDEST)
            if found["scroll"] > found["width"]:
                wide[url] = found
        assert wide == {}, json.dumps(wide, indent=1)
        page.goto(demo["chart"])
        smallest = page.evaluate(
            """() => Math.min(...Array.from(document.querySelectorAll('svg text'))
                 .map(t => t.getBoundingClientRect().height).filter(h => h > 0))"""
        )
        assert smallest >= 10, smallest
        assert page.console_errors == [], page.console_errors


@pytest.fixture
def round_on_phone(story):
    """The garden's proposal in a consent round, Ana speaking first."""
    from proposals import services as proposal_services

    people, proposal = story["people"], story["proposal"]
    _open(story)
    proposal_services.present(proposal=proposal, by=people["fay"])
    proposal_services.open_reactions(proposal=proposal, by=people["fay"])
    proposal_services.open_consent_round(proposal=proposal, by=people["fay"])
    return story


BOX = """(selector) => { const el = document.querySelector(selector);
  if (!el) return null; const b = el.getBoundingClientRect();
  return {top: b.top + window.scrollY, bottom: b.bottom, height: b.height,
          fixed: getComputedStyle(el).position === 'fixed'}; }"""


class TestTheRoomOnAPhone:
    def test_the_answer_is_near_the_top_and_the_step_controls_in_the_bar(
        self, round_on_phone, password, new_page, log_in
    ):
        story = round_on_phone
        ana, fay = new_page(viewport=PHONE), new_page(viewport=PHONE)
        for name, page in (("ana", ana), ("fay", fay)):
            log_in(page, f"{name}@example.org", password)
            page.goto(story["room"])
        # Ana's answer form starts within her first screen.
        expect(ana.locator("#my-part form.answer-form")).to_be_visible(timeout=LIVE)
        form = ana.evaluate(BOX, "#my-part form.answer-form")
        assert form["top"] < PHONE["height"], form
        # Her turn is said once on screen, by the prompt over her form; the
        # banner above stays an alert for screen readers, not drawn.
        expect(ana.locator("#my-turn-prompt")).to_be_visible(timeout=LIVE)
        banner = ana.evaluate(BOX, "#your-turn")
        assert banner["height"] <= 1, banner
        assert ana.evaluate("document.getElementById('your-turn').hidden") is False
        assert ana.evaluate("document.getElementById('your-turn').getAttribute('role')") == "alert"
        # Her part keeps its own line (the page shows it), only not drawn.
        expect(ana.locator("#my-part .turn-note")).to_be_hidden()
        assert ana.locator("#my-part .turn-note").count() == 1
        # The room's first screen is the meeting, not the organization's menu.
        for page in (ana, fay):
            expect(page.locator(".org-nav")).to_be_hidden()
        main = ana.evaluate(BOX, ".room-main")
        assert main["top"] < PHONE["height"] * 0.5, main
        # Fay's step controls are docked in the bar, above the meeting's row,
        # and the whole bar keeps most of the screen free.
        close = fay.locator("#my-part form.control-close_round button[type=submit]")
        expect(close).to_be_visible(timeout=LIVE)
        dock = fay.evaluate(BOX, "#my-part [data-step-controls]")
        bar = fay.evaluate(BOX, "#room-controls")
        assert dock["fixed"] and bar["fixed"], (dock, bar)
        assert dock["height"] + bar["height"] <= PHONE["height"] * 0.45, (dock, bar)
        assert close.bounding_box()["y"] + close.bounding_box()["height"] <= PHONE["height"]
        assert fay.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # A control focused from the keyboard is never left under the bar.
        fay.keyboard.press("Tab")
        fay.evaluate("() => document.querySelector('#my-part form.answer-form textarea').focus()")
        fay.keyboard.press("Shift+Tab")
        fay.keyboard.press("Tab")
        hidden = fay.evaluate(
            """() => { const el = document.activeElement, box = el.getBoundingClientRect();
                 const dock = document.querySelector('#my-part [data-step-controls]');
                 return dock.contains(el) ? false
                   : box.bottom > dock.getBoundingClientRect().top + 1; }"""
        )
        assert hidden is False
        close.click()  # asks first (someone has not answered): nothing hidden under the bar
        expect(close).to_contain_text("Not answered yet")
        for page in (ana, fay):
            assert page.console_errors == [], page.console_errors
