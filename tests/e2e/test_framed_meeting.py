"""A whole framed meeting in four browsers: a facilitator and three members.

The story of issue 13: Ops met last time (its minutes are in the log); the
facilitator schedules the next meeting with the built-in sociocratic frame and
puts a proposal and a report on it (they go between the frame's rounds). In
the room: the check-in goes around in turn (Bo passes); the consent round on
the agenda meets Bo's objection, the facilitator moves the report up, and the
second round is consented; the minutes of last time are consented; the
proposal is adopted; the closing round goes around; the meeting closes and its
minutes hold who said what in the frame's rounds. Every step reaches every
browser over the room's WebSocket, without a reload.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_live_meeting import (
    IDLE,
    LIVE,
    _connected,
    _proposal,
    answer,
    expect_turn,
    facilitate,
    settled,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def framed(world):
    """Ops's last meeting (closed: its minutes are in the log) and the next,
    scheduled with the sociocratic frame, with Ana's proposal and a report."""
    from datetime import timedelta

    from django.utils import timezone

    from proposals import services as proposal_services
    from realtime import services as meeting_services

    circle, fay = world.ops, world.facilitator
    last = meeting_services.schedule_meeting(
        circle=circle,
        title="Ops, last month",
        scheduled_start=timezone.now(),
        facilitator=fay,
        by=fay,
    )
    meeting_services.add_item(meeting=last, kind="report", title="The seed order", by=fay)
    meeting_services.open_meeting(meeting=last, by=fay)
    last = meeting_services.close_meeting(meeting=last, by=fay)
    proposal = proposal_services.create_proposal(
        circle=circle,
        by=world.ana,
        title="Watering rota",
        body="Each member waters the garden one week in four.",
    )
    meeting = meeting_services.schedule_meeting(
        circle=circle,
        title="Ops meeting",
        scheduled_start=timezone.now() + timedelta(minutes=5),
        facilitator=fay,
        by=fay,
        template="frame",
    )
    meeting_services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=fay)
    meeting_services.add_item(meeting=meeting, kind="report", title="Garden news", by=fay)
    items = {i.kind: i.pk for i in meeting.items.all()}
    return {
        "room": meeting.room_url(),
        "meeting": meeting,
        "proposal": proposal,
        "last_minutes": (last.minutes.sequence, last.minutes.hash),
        "items": items,
        "people": {"ana": world.ana, "bo": world.bo, "cy": world.cy, "fay": fay},
        "org": world.org,
    }


def _minutes(meeting_id):
    from realtime.models import Meeting

    meeting = Meeting.objects.select_related("minutes").get(pk=meeting_id)
    return meeting.state, meeting.minutes and meeting.minutes.record


def _eventually(orm, fn, *args, check, timeout=LIVE / 1000):
    deadline = time.monotonic() + timeout
    while True:
        value = orm(fn, *args)
        if check(value) or time.monotonic() > deadline:
            assert check(value), value
            return value
        time.sleep(0.2)


def control(page, action: str) -> None:
    """A button of the frame's facilitator (realtime/frame.html#mine)."""
    submit(page, page.locator(f"#my-part form.control-frame-{action} button[type=submit]"))


def say(page, kind: str, text: str = "") -> None:
    """Answer in the frame's round, in the viewer's part, once it is their turn."""
    page.wait_for_function(IDLE, timeout=LIVE)
    form = page.locator("#my-part form.frame-answer-form")
    form.locator(f"input[name=kind][value={kind}]").check()
    if text:
        form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()
    expect(page.locator("#my-part")).to_contain_text("Your answer is recorded", timeout=LIVE)


def go_to(page, title: str, pages) -> None:
    page.locator("#room-agenda li", has_text=title).get_by_role(
        "button", name="Go to this item"
    ).click()
    for p in pages:
        expect(p.locator("#item-title")).to_contain_text(title, timeout=LIVE)


def a_round(pages: dict, ids: dict, answers: list[tuple[str, str, str]]) -> None:
    """Everyone answers in turn: (name, kind, text) in speaking order."""
    for name, kind, text in answers:
        expect_turn(pages, name, ids)
        say(pages[name], kind, text)
    expect_turn(pages, None, ids)


SEATS = ("ana", "bo", "cy", "fay")  # the seat order of those present: by name


class TestAFramedMeeting:
    def test_check_in_agenda_minutes_a_proposal_and_the_closing_round(
        self, framed, password, new_page, log_in, orm
    ):
        meeting, items = framed["meeting"], framed["items"]
        ids = {name: person.pk for name, person in framed["people"].items()}
        pages = {}
        for name in SEATS:
            page = new_page(viewport={"width": 1280, "height": 900})
            log_in(page, f"{name}@example.org", password)
            page.goto(framed["room"])
            pages[name] = page
        everyone = list(pages.values())
        fay, ana, bo, cy = (pages[n] for n in ("fay", "ana", "bo", "cy"))
        _eventually(orm, _connected, meeting.pk, check=lambda v: v == set(ids.values()))
        for page in everyone:
            expect(page.locator("#room-agenda li")).to_have_count(6)

        # The facilitator opens the meeting; the check-in is the first item.
        fay.locator("#room-controls").get_by_role("button", name="Open the meeting").click()
        for page in everyone:
            expect(page.locator("#room-presence h2")).to_have_text("4 present", timeout=LIVE)
            expect(page.locator("#item-title")).to_contain_text("Opening round")
        settled(everyone, "waiting", items["opening"])
        for page in (ana, bo, cy):
            expect(page.locator("#my-part form.control-frame-start")).to_have_count(0)
        control(fay, "start")
        settled(everyone, "round", items["opening"])
        for page in everyone:
            expect(page.locator("#room-item .round-progress")).to_have_text(
                "0 of 4 have answered", timeout=LIVE
            )
        a_round(
            pages,
            ids,
            [
                ("ana", "reaction", "Ana: happy, the tomatoes are in."),
                ("bo", "pass", ""),
                ("cy", "reaction", "Cy: a bit tired."),
                ("fay", "reaction", "Fay: glad we are all here."),
            ],
        )
        for page in everyone:
            round_ = page.locator("#room-item #frame-round")
            expect(round_).to_contain_text("Cy: a bit tired.", timeout=LIVE)
            expect(round_.locator(".answer-pass")).to_contain_text("Bo")
        control(fay, "close")
        settled(everyone, "heard", items["opening"])

        # The agenda: Bo objects, the facilitator moves the report up, the
        # second round is consented.
        go_to(fay, "Consent to the agenda", everyone)
        settled(everyone, "waiting", items["agenda_consent"])
        control(fay, "start")
        settled(everyone, "round", items["agenda_consent"])
        a_round(
            pages,
            ids,
            [
                ("ana", "consent", ""),
                ("bo", "object", "The garden news first: the rota depends on it."),
                ("cy", "consent", ""),
                ("fay", "consent", ""),
            ],
        )
        control(fay, "close")
        settled(everyone, "objected", items["agenda_consent"])
        for page in everyone:
            expect(page.locator("#room-item")).to_contain_text(
                "The garden news first: the rota depends on it."
            )
        move_up = fay.locator("#my-part .frame-amend li", has_text="Garden news")
        submit(fay, move_up.get_by_role("button", name="Move “Garden news” up"))
        for page in everyone:
            agenda = page.locator("#room-agenda li .item-title")
            expect(agenda.nth(3)).to_have_text("Garden news", timeout=LIVE)
            expect(agenda.nth(4)).to_have_text("Watering rota")
        fay.wait_for_function(IDLE, timeout=LIVE)
        control(fay, "start")
        settled(everyone, "round", items["agenda_consent"])
        for page in everyone:
            frame_agenda = page.locator("#room-item .frame-agenda li")
            expect(frame_agenda.nth(3)).to_have_text("Garden news", timeout=LIVE)
        a_round(pages, ids, [(name, "consent", "") for name in SEATS])
        control(fay, "close")
        settled(everyone, "consented", items["agenda_consent"])

        # The minutes of last time: consented.
        go_to(fay, "Consent to the minutes of last time", everyone)
        for page in everyone:
            expect(page.locator("#room-item")).to_contain_text("Minutes: Ops, last month")
        settled(everyone, "waiting", items["minutes_consent"])
        control(fay, "start")
        settled(everyone, "round", items["minutes_consent"])
        a_round(pages, ids, [(name, "consent", "") for name in SEATS])
        control(fay, "close")
        settled(everyone, "consented", items["minutes_consent"])

        # The report, then the proposal: presented, a reaction round, consent.
        go_to(fay, "Garden news", everyone)
        go_to(fay, "Watering rota", everyone)
        proposal_item = items["proposal"]
        settled(everyone, "draft", proposal_item)
        facilitate(fay, "present")
        settled(everyone, "presented", proposal_item)
        facilitate(fay, "open_reactions")
        settled(everyone, "reactions", proposal_item)
        for name in SEATS:
            expect_turn(pages, name, ids)
            answer(pages[name], "reaction", f"{name.title()}: fine.")
        facilitate(fay, "open_consent")
        settled(everyone, "consent", proposal_item)
        for name in SEATS:
            expect_turn(pages, name, ids)
            answer(pages[name], "consent")
        facilitate(fay, "acknowledge")
        settled(everyone, "adopted", proposal_item)
        assert orm(_proposal, framed["proposal"].pk)["state"] == "adopted"

        # The closing round, then the end of the meeting.
        go_to(fay, "Closing round", everyone)
        settled(everyone, "waiting", items["closing"])
        control(fay, "start")
        settled(everyone, "round", items["closing"])
        a_round(
            pages,
            ids,
            [
                ("ana", "reaction", "Ana: short and clear."),
                ("bo", "reaction", "Bo: thanks for moving the news up."),
                ("cy", "pass", ""),
                ("fay", "reaction", "Fay: well held, everyone."),
            ],
        )
        close = fay.locator("#room-controls").get_by_role("button", name="End the meeting")
        close.click()
        close.click()  # data-confirm-twice
        for page in everyone:  # the room sends everyone to the meeting's page
            expect(page).to_have_url(
                re.compile(re.escape(meeting.get_absolute_url()) + "$"), timeout=LIVE
            )

        _state, record = _eventually(orm, _minutes, meeting.pk, check=lambda v: v[0] == "closed")
        by_kind = {i["kind"]: i for i in record["items"]}
        assert [i["title"] for i in record["items"]] == [
            "Opening round (check-in)",
            "Consent to the agenda",
            "Consent to the minutes of last time",
            "Garden news",
            "Watering rota",
            "Closing round (evaluation)",
        ]
        opening = by_kind["opening"]["rounds"][0]["answers"]
        assert [(a["member"]["id"], a["kind"], a["text"]) for a in opening] == [
            (ids["ana"], "reaction", "Ana: happy, the tomatoes are in."),
            (ids["bo"], "pass", ""),
            (ids["cy"], "reaction", "Cy: a bit tired."),
            (ids["fay"], "reaction", "Fay: glad we are all here."),
        ]
        agenda = by_kind["agenda_consent"]
        assert agenda["outcome"] == "consented"
        assert [r["consented"] for r in agenda["rounds"]] == [False, True]
        assert [
            (a["member"]["id"], a["text"])
            for a in agenda["rounds"][0]["answers"]
            if a["kind"] == "object"
        ] == [(ids["bo"], "The garden news first: the rota depends on it.")]
        assert agenda["rounds"][0]["agenda"][3:5] == ["Watering rota", "Garden news"]
        assert agenda["rounds"][1]["agenda"][3:5] == ["Garden news", "Watering rota"]
        minutes = by_kind["minutes_consent"]
        assert minutes["outcome"] == "consented"
        sequence, digest = framed["last_minutes"]
        assert minutes["minutes_of"] == {"sequence": sequence, "hash": digest}
        assert by_kind["proposal"]["outcome"] == "decided" and by_kind["proposal"]["decision"]
        closing = by_kind["closing"]
        assert closing["outcome"] == "noted"
        assert [a["text"] for a in closing["rounds"][0]["answers"]] == [
            "Ana: short and clear.",
            "Bo: thanks for moving the news up.",
            "",
            "Fay: well held, everyone.",
        ]
        # The minutes page shows the frame's rounds, who said what.
        fay.goto(orm(_minutes_url, meeting.pk))
        entry = fay.locator("main")
        expect(entry).to_contain_text("Fay: well held, everyone.")
        expect(entry).to_contain_text("The garden news first: the rota depends on it.")
        for name, page in pages.items():
            assert page.console_errors == [], (name, page.console_errors)


def _minutes_url(meeting_id):
    from realtime.models import Meeting

    return Meeting.objects.select_related("minutes").get(pk=meeting_id).minutes.get_absolute_url()
