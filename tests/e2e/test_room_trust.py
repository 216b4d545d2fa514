"""The live room keeps what people meant (issue 17, items 2, 5, 6, 7; issue 18, item 19).

Each test starts from the garden story of test_live_meeting.py, moved on by
the services to the step it needs before the browsers open, then acts as the
people would: a member typing an objection while the facilitator closes the
round, an author amending while the facilitator's forms are open, a
selection's nominations coming in, an action that fails on the way.
"""

import pytest
from playwright.sync_api import expect

from elections import services as election_services
from proposals import services as proposal_services
from realtime import services as meeting_services
from tests.e2e.test_live_meeting import LIVE, facilitate, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(story, *, item: int = 0):
    """The meeting open with the four present, on its ``item``-th agenda item."""
    people, meeting = story["people"], story["meeting"]
    meeting_services.open_meeting(meeting=meeting, by=people["fay"])
    for person in people.values():
        meeting_services.join(meeting=meeting, user=person)
    if item:
        target = meeting.items.order_by("position")[item]
        meeting_services.set_current_item(meeting=meeting, item=target, by=people["fay"])


def _round(proposal_id):
    from proposals import rounds
    from proposals.models import Proposal

    proposal = Proposal.objects.get(pk=proposal_id)
    open_ = rounds.open_round_of(proposal)
    return {"open": open_ is not None, "state": proposal.state}


def _items(meeting_id):
    from realtime.models import AgendaItem

    return list(AgendaItem.objects.filter(meeting_id=meeting_id).values_list("title", flat=True))


def _enter(new_page, log_in, password, story, *names, **options):
    pages = {}
    for name in names:
        page = new_page(viewport=options.get("viewport", {"width": 1280, "height": 900}))
        log_in(page, f"{name}@example.org", password)
        page.goto(story["room"])
        pages[name] = page
    return pages


@pytest.fixture
def consent_round(story):
    """The proposal in a consent round in turn; Ana has consented, Bo speaks."""
    people, proposal = story["people"], story["proposal"]
    _open(story)
    proposal_services.present(proposal=proposal, by=people["fay"])
    proposal_services.open_reactions(proposal=proposal, by=people["fay"])
    proposal_services.open_consent_round(proposal=proposal, by=people["fay"])
    proposal_services.answer(proposal=proposal, by=people["ana"], kind="consent")
    return story


@pytest.fixture
def reactions_done(story):
    """The proposal after its round of reactions (closed): it may be amended."""
    people, proposal = story["people"], story["proposal"]
    _open(story)
    proposal_services.present(proposal=proposal, by=people["fay"])
    proposal_services.open_reactions(proposal=proposal, by=people["fay"])
    proposal_services.close_round(proposal=proposal, by=people["fay"])
    return {**story, "item": story["meeting"].items.order_by("position").first().pk}


@pytest.fixture
def nominating(story):
    """The selection is the current item, nominating."""
    _open(story, item=1)
    election_services.start_nominating(election=story["election"], by=story["people"]["fay"])
    return story


class TestClosingARound:
    def test_it_asks_once_names_who_is_missing_and_keeps_what_was_typed(
        self, consent_round, password, new_page, log_in, orm
    ):
        story = consent_round
        pages = _enter(new_page, log_in, password, story, "fay", "bo", "cy")
        fay, bo, cy = pages["fay"], pages["bo"], pages["cy"]
        proposal = story["proposal"]

        # Bo's turn: said in an alert, next to his form, and his focus is there.
        expect(bo.locator("#your-turn")).to_be_visible(timeout=LIVE)
        expect(bo.locator("#my-part #my-turn-prompt")).to_be_visible(timeout=LIVE)
        bo.wait_for_function("() => document.activeElement.id === 'my-turn-prompt'")
        for page in (fay, cy):
            expect(page.locator("#room-item .waiting-for")).to_have_text("Waiting for Bo.")
            expect(page.locator("#my-turn-prompt")).to_have_count(0)

        # Bo starts an objection; his first try fails on the way (no network).
        form = bo.locator("#my-part form.answer-form")
        form.locator("input[name=kind][value=object]").check()
        form.locator("textarea[name=text]").fill("Not before the frost is over.")
        bo.route("**/do/answers/", lambda route: route.abort())
        form.locator("button[type=submit]").click()
        expect(bo.locator("#room-alert")).to_contain_text("nothing was sent")
        expect(form.locator(".action-failed")).to_be_visible()
        expect(form.locator("textarea[name=text]")).to_have_value("Not before the frost is over.")
        bo.unroute("**/do/answers/")
        # A server error is said too, and nothing typed is lost.
        bo.route("**/do/answers/", lambda route: route.fulfill(status=500, body="boom"))
        form.locator("button[type=submit]").click()
        expect(bo.locator("#room-alert")).to_contain_text("did not go through")
        expect(form.locator("textarea[name=text]")).to_have_value("Not before the frost is over.")
        bo.unroute("**/do/answers/")
        assert orm(_round, proposal.pk) == {"open": True, "state": "consent"}

        # The facilitator closes the round: asked once, with who has not answered.
        close = fay.locator("#my-part form.control-close_round button[type=submit]")
        close.click()
        expect(close).to_contain_text("Not answered yet: Bo, Cy, Fay")
        assert orm(_round, proposal.pk) == {"open": True, "state": "consent"}
        close.click()
        expect(fay.locator("#room-item")).to_have_attribute("data-round", "", timeout=LIVE)
        assert orm(_round, proposal.pk)["open"] is False

        # Bo's unsent objection is still his, marked as not sent, also after a reload.
        drafts = bo.locator("#my-part #my-drafts")
        expect(drafts).to_be_visible(timeout=LIVE)
        expect(drafts).to_contain_text("Not sent")
        expect(drafts.locator("textarea")).to_have_value("Not before the frost is over.")
        bo.reload()
        expect(bo.locator("#my-part #my-drafts textarea")).to_have_value(
            "Not before the frost is over.", timeout=LIVE
        )
        for name, page in pages.items():
            assert page.console_errors == [] or name == "bo", (name, page.console_errors)


class TestAnAmendment:
    def test_the_facilitators_forms_follow_the_new_revision(
        self, reactions_done, password, new_page, log_in
    ):
        story = reactions_done
        pages = _enter(new_page, log_in, password, story, "fay", "ana")
        fay, ana = pages["fay"], pages["ana"]
        settled([fay, ana], "reactions", story["item"])
        revision = fay.locator("#my-part #open_consent-revision")
        expect(revision).to_have_value("1", timeout=LIVE)
        # Fay has started a note of her own in the amend form (not sent).
        fay.locator("#my-part form.control-amend summary").click()
        fay.locator("#my-part form.control-amend input[name=change_note]").fill("Fay's own note")

        new_text = "Each member waters one week in four; neighbours cover the summer."
        facilitate(ana, "amend", body=new_text, change_note="Summer covered.")
        # After her action Ana's focus is in her part (its message), not the page's top.
        assert ana.evaluate(
            "() => !!document.activeElement.closest('#my-part')"
            " && document.activeElement !== document.body"
        )
        expect(fay.locator("#room-item #text-title")).to_have_text(
            "The text (revision 2)", timeout=LIVE
        )
        # The consent round now opens on revision 2 by default, and the amend
        # box holds the new text; Fay's unsent note is kept, marked as such.
        expect(revision).to_have_value("2", timeout=LIVE)
        amend = fay.locator("#my-part form.control-amend")
        expect(amend.locator("textarea[name=body]")).to_have_value(new_text)
        expect(amend.locator("input[name=change_note]")).to_have_value("Fay's own note")
        expect(amend.locator(".draft-note")).to_be_visible()
        for name, page in pages.items():
            assert page.console_errors == [], (name, page.console_errors)


class TestNominations:
    def test_progress_is_shared_and_a_nomination_shows_as_recorded(
        self, nominating, password, new_page, log_in, orm
    ):
        story = nominating
        ids = {name: person.pk for name, person in story["people"].items()}
        pages = _enter(new_page, log_in, password, story, "fay", "ana", "bo")
        fay, ana, bo = pages["fay"], pages["ana"], pages["bo"]
        for page in pages.values():
            expect(page.locator("#room-item .nomination-progress")).to_have_text(
                "0 of 4 have nominated.", timeout=LIVE
            )
        form = ana.locator("#my-part form.action-nominate")
        form.locator("[name=nominee]").select_option(str(ids["cy"]))
        form.locator("[name=reason]").fill("Cy keeps the seed box.")
        form.locator("button[type=submit]").click()
        expect(ana.locator("#my-part")).to_contain_text("You nominated Cy", timeout=LIVE)
        # The same count for everyone, pushed, with a tick per person (never whom).
        for page in pages.values():
            expect(page.locator("#room-item .nomination-progress")).to_have_text(
                "1 of 4 have nominated.", timeout=LIVE
            )
            expect(page.locator("#room-item #election-nominators li.done")).to_have_text(
                "Ana ✓ nominated"
            )
        for page in (fay, bo):
            expect(page.locator("body")).not_to_contain_text("Cy keeps the seed box.")
        ana.reload()
        expect(ana.locator("#my-part")).to_contain_text("You nominated Cy", timeout=LIVE)

        # Showing the nominations early asks once and names who has not nominated.
        show = fay.locator("#my-part form.action-show_nominations button[type=submit]")
        show.click()
        expect(show).to_contain_text("Not nominated yet: Bo, Cy, Fay")
        expect(bo.locator("#room-item")).to_have_attribute("data-subject-state", "nominating")
        show.click()
        for page in pages.values():
            expect(page.locator("#room-item")).to_have_attribute(
                "data-subject-state", "nominations_shown", timeout=LIVE
            )
        for name, page in pages.items():
            assert page.console_errors == [], (name, page.console_errors)


class TestTheAgendaForm:
    def test_an_error_shows_at_the_form_and_a_repeated_post_adds_one_item(
        self, story, password, new_page, log_in, orm, live_url
    ):
        page = new_page(viewport={"width": 1280, "height": 900})
        log_in(page, "fay@example.org", password)
        detail = story["meeting"].get_absolute_url()
        page.goto(detail)
        form = page.locator("form.agenda-add")
        form.locator("select[name=kind]").select_option("other")
        form.get_by_role("button", name="Add to the agenda").click()
        # The error is at the form (its field, the summary), not a flash at the top.
        expect(page.locator("form.agenda-add .field-error")).to_contain_text("title")
        expect(page.locator(".messages")).to_have_count(0)
        expect(page.locator("form.agenda-add select[name=kind]")).to_have_value("other")
        assert len(orm(_items, story["meeting"].pk)) == 2

        # Five identical posts at once (a double click, a retry): one item.
        statuses = page.evaluate(
            """async () => {
                const form = document.querySelector('form.agenda-add');
                const data = new FormData(form);
                data.set("kind", "other");
                data.set('title', 'Tools shed');
                const body = new URLSearchParams(data);
                const sent = Array.from({length: 5}, () => fetch(form.action, {
                    method: 'POST', body, redirect: 'manual',
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'}}));
                return (await Promise.all(sent)).map(r => r.status);
            }"""
        )
        assert all(status in (0, 302) for status in statuses), statuses
        assert orm(_items, story["meeting"].pk).count("Tools shed") == 1
        # Only the refused post's own 400 (the form's answer) is in the console.
        assert [e for e in page.console_errors if "status of 400" not in e] == []
