"""A live meeting in four browsers: a facilitator and three members.

The story of issue 7: the facilitator opens the meeting, presents a proposal,
runs a round of reactions and a consent round in turn; Bo objects; the
facilitator acknowledges, amends the text to integrate the objection, records
it as integrated and asks for consent again; everyone consents and the policy
is adopted. Then a selection: everyone nominates (hidden until shown), the
facilitator shows the nominations, proposes a nominee, and the circle consents
in turn with the nominee last. Every step reaches every browser over the
room's WebSocket, without a reload; one member's connection drops mid-round
and the room is whole again when it comes back.
"""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 8_000  # ms: how long a pushed change may take to reach a browser
SHOTS = "/tmp/cercle-live-meeting"


# Reads, through ``orm`` (Playwright's sync API forbids the ORM in its thread).


def _connected(meeting_id) -> set[int]:
    from realtime.models import Connection

    return set(Connection.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True))


def _proposal(proposal_id):
    from decisions.models import Decision
    from proposals.models import Objection, Proposal

    proposal = Proposal.objects.select_related("decision").get(pk=proposal_id)
    decision = proposal.decision
    return {
        "state": proposal.state,
        "revisions": proposal.revisions.count(),
        "objections": list(
            Objection.objects.filter(proposal=proposal).values_list("state", flat=True)
        ),
        "decision": decision
        and {
            "kind": decision.kind,
            "title": decision.title,
            "revision": decision.record.get("revision"),
            "positions": decision.record.get("positions"),
            "objections": decision.record.get("objections"),
        },
        "log": Decision.objects.filter(organization_id=proposal.circle.organization_id).count(),
    }


def _election(election_id):
    from elections.models import Election

    election = Election.objects.select_related("decision", "assignment").get(pk=election_id)
    return {
        "state": election.state,
        "decision": election.decision and (election.decision.kind, election.decision.title),
        "holder": election.assignment and election.assignment.user_id,
    }


def _log_is_whole(org_id) -> bool:
    from decisions.services import verify_log

    return verify_log(organization_id=org_id).ok


def _eventually(orm, fn, *args, expected, timeout=LIVE / 1000):
    deadline = time.monotonic() + timeout
    while True:
        value = orm(fn, *args)
        if value == expected or time.monotonic() > deadline:
            assert value == expected
            return value
        time.sleep(0.1)


# What a person does in the room, and what every browser must show.

SETTLED = """([state, item]) => {
  const room = document.getElementById('room-item');
  const mine = document.querySelector('#my-part > [data-item]');
  return !!room && !!mine && room.dataset.subjectState === state && room.dataset.item === item
    && mine.dataset.subjectState === state && mine.dataset.item === item
    && mine.dataset.round === room.dataset.round
    && !document.querySelector('#my-part.htmx-request, #my-part .htmx-request');
}"""


def settled(pages, state: str, item: int) -> None:
    """Every browser shows the step ``state`` of agenda item ``item``, in the
    shared room and in its own part (reloaded by realtime.js), without a reload."""
    for page in pages:
        page.wait_for_function(SETTLED, arg=[state, str(item)], timeout=LIVE)


def submit(page, button) -> None:
    """Click a form's button and wait until htmx has placed its answer.

    The broadcast of a change can reach the page before the action's own HTTP
    answer; acting on the page in between would fill a form that the answer is
    about to replace.
    """
    page.evaluate(
        """() => { window.__cercleAnswered = new Promise(resolve => {
            document.body.addEventListener(
                "htmx:afterRequest", () => setTimeout(resolve, 150), { once: true });
        }); }"""
    )
    button.click()
    page.evaluate("() => window.__cercleAnswered")


def facilitate(page, action: str, **fields) -> None:
    """One of the proposal's buttons (proposals/_controls.html), in the viewer's part."""
    form = page.locator(f"#my-part form.control-{action}")
    if form.locator("summary").count():
        form.locator("summary").click()
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    submit(page, form.locator("button[type=submit]"))


IDLE = "() => !document.querySelector('.htmx-request')"


def answer(page, kind: str, text: str = "") -> None:
    # The turn's push may reload the person's part (realtime.js): answer in the
    # form that stays, not in one that a reload in flight is about to replace
    # (the typing would come back marked "not sent", as it should, and the
    # test would wait for an answer it never sent).
    page.wait_for_function(IDLE, timeout=LIVE)
    form = page.locator("#my-part form.answer-form")
    form.locator(f"input[name=kind][value={kind}]").check()
    if text:
        form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()
    expect(page.locator("#my-part")).to_contain_text("Your answer is recorded", timeout=LIVE)


def lead_selection(page, step: str, **fields) -> None:
    """One of the selection's forms (elections/_action.html), in the viewer's part."""
    form = page.locator(f"#my-part form.action-{step}")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.first.get_attribute("type") == "radio":
            form.locator(f"[name={name}][value={value}]").check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    submit(page, form.locator("button[type=submit]"))


def expect_turn(pages: dict, speaker: str | None, ids: dict) -> None:
    """ "It's your turn" shows for the speaker only; everyone sees who speaks."""
    for name, page in pages.items():
        expect(page.locator("#room-item")).to_have_attribute(
            "data-current-speaker", str(ids[speaker]) if speaker else "", timeout=LIVE
        )
        banner = page.locator("#your-turn")
        if name == speaker:
            expect(banner).to_be_visible(timeout=LIVE)
        else:
            expect(banner).to_be_hidden(timeout=LIVE)


def shoot(pages: dict, moment: str) -> None:
    for name, page in pages.items():
        page.screenshot(path=f"{SHOTS}-{moment}-{name}.png", full_page=True)


class FlakyLine:
    """Cy's WebSocket goes through Playwright, so the test can cut it like a
    lost network (the browser sees an abnormal closure, 1006, and the server
    sees the socket close) and let the reconnections through again.
    Chromium's offline emulation leaves open WebSockets alone, so it cannot."""

    def __init__(self, page):
        self.down = False
        self.routes = []
        page.route_web_socket(re.compile(r"/ws/meetings/\d+/$"), self._connect)

    def _connect(self, ws):
        if self.down:
            ws.close(code=1006, reason="offline")  # the retry fails; htmx tries again later
            return
        server = ws.connect_to_server()
        self.routes.append((ws, server))

    def cut(self):
        self.down = True
        ws, server = self.routes[-1]
        ws.close(code=1006, reason="network lost")
        server.close()

    def restore(self):
        self.down = False


class TestLiveMeeting:
    def test_it_runs_a_consent_process_and_a_selection_live(
        self, story, password, new_page, log_in, orm
    ):
        meeting, proposal, election = story["meeting"], story["proposal"], story["election"]
        ids = {name: person.pk for name, person in story["people"].items()}
        pages = {}
        line = None
        for name in ("fay", "ana", "bo", "cy"):
            page = new_page(viewport={"width": 1280, "height": 900})
            if name == "cy":
                line = FlakyLine(page)
            log_in(page, f"{name}@example.org", password)
            page.goto(story["room"])
            pages[name] = page
        everyone = list(pages.values())
        fay, ana, bo, cy = (pages[n] for n in ("fay", "ana", "bo", "cy"))
        _eventually(orm, _connected, meeting.pk, expected=set(ids.values()))
        for page in everyone:
            expect(page.locator("#room-state")).to_have_attribute("data-state", "scheduled")
            expect(page.locator("#room-presence h2")).to_have_text("0 present")
        # Only the facilitator has the meeting's controls.
        expect(fay.locator("#room-controls")).to_be_visible()
        for page in (ana, bo, cy):
            expect(page.locator("#room-controls")).to_be_hidden()

        # The facilitator opens the meeting; the first item, the proposal, is current.
        fay.locator("#room-controls").get_by_role("button", name="Open the meeting").click()
        for page in everyone:
            expect(page.locator("#room-state")).to_have_attribute(
                "data-state", "open", timeout=LIVE
            )
            # Entering an open room marks one present (realtime.js joins).
            expect(page.locator("#room-presence h2")).to_have_text("4 present", timeout=LIVE)
            expect(page.locator("#item-title")).to_contain_text("Watering rota")
        item = int(fay.locator("#room-item").get_attribute("data-item"))
        settled(everyone, "draft", item)
        # A member sees no facilitator's button in their part.
        for page in (ana, bo, cy):
            expect(page.locator("#my-part form.control-present")).to_have_count(0)

        facilitate(fay, "present")
        settled(everyone, "presented", item)

        # A round of quick reactions, in turn: Ana, Bo, Cy, Fay (around the circle).
        facilitate(fay, "open_reactions")
        settled(everyone, "reactions", item)
        for page in everyone:
            expect(page.locator("#room-item .round-progress")).to_have_text("0 of 4 have answered")
        for name in ("ana", "bo", "cy", "fay"):
            expect_turn(pages, name, ids)
            answer(pages[name], "reaction", f"{name.title()}: fine by me, mostly.")
        expect_turn(pages, None, ids)
        for page in everyone:
            expect(page.locator("#room-item .round-progress")).to_have_text(
                "4 of 4 have answered", timeout=LIVE
            )
            expect(page.locator("#room-item")).to_contain_text("Cy: fine by me, mostly.")

        # The consent round: Bo objects, with a reason.
        facilitate(fay, "open_consent")
        settled(everyone, "consent", item)
        expect_turn(pages, "ana", ids)
        shoot(pages, "2-consent")
        answer(ana, "consent")
        expect_turn(pages, "bo", ids)
        answer(bo, "object", "Nobody waters during the summer holidays.")
        expect_turn(pages, "cy", ids)
        answer(cy, "consent")
        answer(fay, "consent")
        facilitate(fay, "acknowledge")
        settled(everyone, "objections", item)
        for page in everyone:
            objections = page.locator("#room-item #proposal-objections")
            expect(objections).to_contain_text("Nobody waters during the summer holidays.")
            expect(objections.locator(".objection-open")).to_have_count(1)

        # Cy's connection drops; the facilitator goes on without them.
        line.cut()
        expect(cy.locator("#room-connection")).to_be_visible(timeout=LIVE)
        cy_dot = fay.locator(f"#room-presence li[data-user-id='{ids['cy']}'] .presence-dot")
        expect(cy_dot).not_to_have_class(re.compile(r"\bon\b"), timeout=LIVE)
        cy.evaluate("htmx.config.wsReconnectDelay = () => 250")  # retry soon, not in 0-64 s

        # The facilitator amends the text to integrate the objection, records it
        # as integrated by revision 2, and asks for consent again.
        facilitate(
            fay,
            "amend",
            body="Each member waters the garden one week in four; "
            "in July and August, two neighbours take the empty weeks.",
            change_note="Integrates Bo's objection: the summer weeks.",
        )
        expect(fay.locator("#room-item #text-title")).to_have_text(
            "The text (revision 2)", timeout=LIVE
        )
        resolve = fay.locator("#my-part section.resolve form")
        resolve.locator("input[name=resolution][value=integrated]").check()
        resolve.locator("input[name=revision]").fill("2")
        resolve.locator("textarea[name=reason]").fill("The summer weeks are covered.")
        submit(fay, resolve.locator("button[type=submit]"))
        for page in (fay, ana, bo):
            expect(page.locator("#room-item .objection-integrated")).to_have_count(1, timeout=LIVE)
        facilitate(fay, "open_consent")
        settled([fay, ana, bo], "consent", item)
        expect(cy.locator("#room-connection")).to_be_visible()  # still cut off
        answer(ana, "consent")
        expect(bo.locator("#your-turn")).to_be_visible(timeout=LIVE)
        shoot({"cy": cy}, "3-offline")

        # Back online: Cy's room is whole again, the step they missed included.
        line.restore()
        expect(cy.locator("#room-connection")).to_be_hidden(timeout=LIVE)
        settled([cy], "consent", item)
        expect(cy.locator("#room-item #text-title")).to_have_text("The text (revision 2)")
        expect(cy.locator("#room-item .objection-integrated")).to_have_count(1)
        expect(cy.locator("#room-item .round-progress")).to_have_text("1 of 4 have answered")
        expect(cy.locator("#room-presence h2")).to_have_text("4 present")
        expect(cy_dot).to_have_class(re.compile(r"\bon\b"), timeout=LIVE)
        expect_turn(pages, "bo", ids)
        answer(bo, "consent")
        expect_turn(pages, "cy", ids)
        answer(cy, "consent")
        answer(fay, "consent")
        for page in everyone:
            expect(page.locator("#room-item .round-progress")).to_have_text(
                "4 of 4 have answered", timeout=LIVE
            )
        facilitate(fay, "acknowledge")
        settled(everyone, "adopted", item)
        for page in everyone:
            expect(page.locator("#room-item #proposal-text")).to_contain_text(
                "Recorded as decision"
            )
        adopted = orm(_proposal, proposal.pk)
        assert adopted["state"] == "adopted"
        assert adopted["revisions"] == 2
        assert adopted["objections"] == ["integrated"]
        assert adopted["decision"]["kind"] == "policy"
        assert adopted["decision"]["title"] == "Watering rota"
        assert adopted["decision"]["revision"]["number"] == 2
        assert sorted(p["member"]["id"] for p in adopted["decision"]["positions"]) == sorted(
            ids.values()
        )
        assert {p["position"] for p in adopted["decision"]["positions"]} == {"consent"}
        # Everyone consented without a word: nobody's earlier text (a reaction
        # typed in the same answer form) came back into their consent.
        assert {p["text"] for p in adopted["decision"]["positions"]} == {""}
        assert adopted["decision"]["objections"][0]["state"] == "integrated"

        # The selection: the facilitator moves to the next item.
        fay.locator("#room-agenda").get_by_role("button", name="Go to this item").click()
        for page in everyone:
            expect(page.locator("#item-title")).to_contain_text("Treasurer", timeout=LIVE)
        selection = int(fay.locator("#room-item").get_attribute("data-item"))
        settled(everyone, "setup", selection)
        lead_selection(fay, "start_nominating")
        settled(everyone, "nominating", selection)

        # Everyone nominates; a nomination stays hidden until all are shown.
        lead_selection(ana, "nominate", nominee=ids["cy"], reason="Ana trusts Cy with numbers.")
        expect(ana.locator("#my-part")).to_contain_text("You nominated Cy", timeout=LIVE)
        for page in (fay, bo, cy):
            expect(page.locator("#room-item")).to_contain_text(
                "Nominations stay hidden", timeout=LIVE
            )
            expect(page.locator("body")).not_to_contain_text("Ana trusts Cy with numbers.")
        lead_selection(bo, "nominate", nominee=ids["cy"], reason="Bo: Cy keeps the seed box.")
        lead_selection(cy, "nominate", nominee=ids["ana"], reason="Cy: Ana did it before.")
        lead_selection(fay, "nominate", nominee=ids["cy"], reason="Fay: Cy has the time.")
        for page in everyone:
            expect(page.locator("#my-part")).to_contain_text("You nominated", timeout=LIVE)
        for page in (fay, ana, cy):
            expect(page.locator("body")).not_to_contain_text("Bo: Cy keeps the seed box.")
        shoot(pages, "4-nominating")
        lead_selection(fay, "show_nominations")
        settled(everyone, "nominations_shown", selection)
        for page in everyone:
            grid = page.locator("#room-item #election-grid")
            expect(grid).to_contain_text("Ana trusts Cy with numbers.")
            expect(grid).to_contain_text("Cy: Ana did it before.")
            expect(grid.locator(".grid-table tbody tr")).to_have_count(4)

        # The facilitator proposes Cy; the consent round ends with the nominee.
        lead_selection(fay, "start_proposing")
        settled(everyone, "proposing", selection)
        lead_selection(fay, "propose", nominee=ids["cy"], reason="Three of four named Cy.")
        settled(everyone, "consent", selection)
        for name in ("fay", "ana", "bo", "cy"):  # around from the one after Cy
            expect_turn(pages, name, ids)
            lead_selection(pages[name], "answer", kind="consent")
        expect_turn(pages, None, ids)
        for page in everyone:
            expect(page.locator("#room-item #election-round")).to_contain_text(
                "4 of 4 have answered", timeout=LIVE
            )
        lead_selection(fay, "elect")
        settled(everyone, "elected", selection)
        shoot(pages, "5-elected")
        selected = orm(_election, election.pk)
        assert selected["state"] == "elected"
        assert selected["decision"] == ("selection", "Cy selected as Treasurer of Ops")
        assert selected["holder"] == ids["cy"]
        assert orm(_log_is_whole, story["org"].pk)
        for name, page in pages.items():
            assert page.console_errors == [], (name, page.console_errors)
