"""One live meeting, two languages: each browser reads the room in its own.

Fay (French) facilitates a meeting of Ops in a French organization; Ana reads
French, Bo English. Fay runs the frame's opening round, then a proposal
(presented, a clarifying round, quick reactions, a consent round, each
answering in turn) and sets the timer; a second meeting runs a selection to
its nominations shown.
After every push, without a reload, each browser's room is in its reader's
language: the page's ``lang``, the state, the agenda, presence, the current
item, the process part of its process, the minutes, the timer, the words the
room's script says. The shared fragments are rendered once per language and
sent to each language's group (docs/ARCHITECTURE.md); a French fragment in
Bo's room (or an English one in Ana's) fails here.

Titles (of the items, of the proposal) are what people wrote: in the
language they were written in, for everyone.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.e2e.test_live_meeting import IDLE, LIVE, _eventually, lead_selection, settled, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LANGUAGE = {"fay": "fr", "ana": "fr", "bo": "en"}
OTHER = {"fr": "en", "en": "fr"}

#: What each fragment says, per language (the French of locale/fr).
WORDS = {
    "en": {
        "agenda": "Agenda",
        "minutes": "Minutes so far",
        "present": "3 present",
        "facilitator": "Facilitator:",
        "open": "Open",
        "turn": "It's your turn.",
        "recorded": "Your answer is recorded",
        "kind_opening": "Opening round",
        "kind_proposal": "Proposal",
        "kind_selection": "Selection",
        "frame_waiting": "The facilitator starts the round: each member present speaks in turn.",
        "nobody": "Nobody has answered yet.",
        "heard": "Everyone was heard.",
        "text": "The text (revision 1)",
        "where": "Where it is",
        "presented": "Presented",
        "clarifying": "Clarifying questions",
        "reactions": "Quick reactions",
        "consent": "Consent round",
        "adopted": "Adopted",
        "nominating": "Nominations stay hidden",
        "where_we_are": "Where we are",
        "no_consent_round": "No consent round yet.",
        "nominations_shown": "Nominations shown",
    },
    "fr": {
        "agenda": "Ordre du jour",
        "minutes": "Compte rendu jusqu'ici",
        "present": "3 présent·es",
        "facilitator": "Facilitateur·rice :",
        "open": "Ouverte",
        "turn": "C'est votre tour.",
        "recorded": "Votre réponse est enregistrée",
        "kind_opening": "Tour d’ouverture",
        "kind_proposal": "Proposition",
        "kind_selection": "Élection sans candidat",
        "frame_waiting": "Le·la facilitateur·rice ouvre le tour",
        "nobody": "Personne n’a encore répondu.",
        "heard": "Tout le monde a été entendu.",
        "text": "Le texte (version 1)",
        "where": "Où elle en est",
        "presented": "Présentée",
        "clarifying": "Questions de clarification",
        "reactions": "Réactions rapides",
        "consent": "Tour de consentement",
        "adopted": "Adoptée",
        "nominating": "Les nominations restent cachées",
        "where_we_are": "Où nous en sommes",
        "no_consent_round": "Pas encore de tour de consentement.",
        "nominations_shown": "Nominations affichées",
    },
}


def progress(n: int, m: int, language: str) -> str:
    return f"{n} of {m} have answered" if language == "en" else f"{n} sur {m} ont répondu"


@pytest.fixture
def french_meeting(world):
    """Acme speaks French, so do Fay and Ana; Bo reads English. The meeting
    is scheduled by Fay with the sociocratic frame (its titles in French,
    hers), with Ana's proposal on it; a second meeting has a selection."""
    from accounts.services import update_profile
    from circles import services as circle_services
    from elections import services as election_services
    from proposals import services as proposal_services
    from realtime import services as meeting_services

    admin, org = world.admin, world.org
    circle_services.update_organization(
        organization=org, by=admin, name=org.name, language="fr", public_log=org.public_log
    )
    people = {"fay": world.facilitator, "ana": world.ana, "bo": world.bo}
    for name, person in people.items():
        people[name] = update_profile(
            user=person, display_name=name.title(), language=LANGUAGE[name]
        )
    fay = people["fay"]
    proposal = proposal_services.create_proposal(
        circle=world.ops,
        by=people["ana"],
        title="Tour d'arrosage",
        body="Chaque membre arrose le jardin une semaine sur quatre.",
    )
    with translation.override("fr"):  # Fay schedules in her language
        meeting = meeting_services.schedule_meeting(
            circle=world.ops,
            title="Réunion d'Ops",
            scheduled_start=timezone.now() + timedelta(minutes=5),
            facilitator=fay,
            by=fay,
            template="frame",
        )
    meeting_services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=fay)
    role = circle_services.create_role(
        circle=world.ops, name="Trésorerie", by=admin, accountabilities=["Tient les comptes"]
    )
    election = election_services.open_election(role=role, by=fay)
    selection = meeting_services.schedule_meeting(
        circle=world.ops,
        title="Élection d'Ops",
        scheduled_start=timezone.now() + timedelta(minutes=5),
        facilitator=fay,
        by=fay,
    )
    meeting_services.add_item(meeting=selection, kind="election", election=election, by=fay)
    items = {i.kind: i.pk for i in meeting.items.all()}
    return {
        "room": meeting.room_url(),
        "meeting": meeting.pk,
        "items": items,
        "proposal": proposal.pk,
        "selection_room": selection.room_url(),
        "selection_meeting": selection.pk,
        "ids": {name: person.pk for name, person in people.items()},
    }


def _connected(meeting_id) -> set[int]:
    from realtime.models import Connection

    return set(Connection.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True))


def _proposal_state(proposal_id) -> str:
    from proposals.models import Proposal

    return Proposal.objects.get(pk=proposal_id).state


def enter(new_page, log_in, password, room) -> dict:
    pages = {}
    for name in ("fay", "ana", "bo"):
        page = new_page(viewport=PHONE, locale="en-GB" if LANGUAGE[name] == "en" else "fr-FR")
        log_in(page, f"{name}@example.org", password)
        page.goto(room)
        pages[name] = page
    return pages


def room_speaks(pages: dict, *, present: bool = True) -> None:
    """The room's fixed words, in each reader's language and not the other."""
    for name, page in pages.items():
        mine, other = WORDS[LANGUAGE[name]], WORDS[OTHER[LANGUAGE[name]]]
        expect(page.locator("html")).to_have_attribute("lang", LANGUAGE[name])
        expect(page.locator("#room-agenda h2")).to_have_text(mine["agenda"], timeout=LIVE)
        expect(page.locator("#room-minutes h2")).to_have_text(mine["minutes"], timeout=LIVE)
        expect(page.locator("#room-state")).to_contain_text(mine["facilitator"], timeout=LIVE)
        expect(page.locator("#room-state")).not_to_contain_text(other["facilitator"])
        if present:
            expect(page.locator("#room-presence h2")).to_have_text(mine["present"], timeout=LIVE)
        expect(page.locator("#room-words")).to_have_attribute(
            "data-your-turn", re.compile("^" + re.escape(mine["turn"]))
        )


def item_speaks(pages: dict, *keys: str, kind: str) -> None:
    """The current item: its kind and its process part's words (``keys`` of
    WORDS), each reader's and none of the other language's."""
    for name, page in pages.items():
        mine, other = WORDS[LANGUAGE[name]], WORDS[OTHER[LANGUAGE[name]]]
        title = page.locator("#item-title .muted")
        expect(title).to_have_text(f"· {mine[kind]}", timeout=LIVE)
        part = page.locator("#room-item")
        for key in keys:
            expect(part).to_contain_text(mine[key], timeout=LIVE)
            expect(part).not_to_contain_text(other[key])


def progress_speaks(pages: dict, n: int, m: int) -> None:
    for name, page in pages.items():
        expect(page.locator("#room-item .round-progress")).to_have_text(
            progress(n, m, LANGUAGE[name]), timeout=LIVE
        )


def minutes_say(pages: dict, key: str) -> None:
    for name, page in pages.items():
        minutes = page.locator("#room-minutes")
        expect(minutes).to_contain_text(f"— {WORDS[LANGUAGE[name]][key]}", timeout=LIVE)
        expect(minutes).not_to_contain_text(f"— {WORDS[OTHER[LANGUAGE[name]]][key]}")


def speaker(page) -> str:
    return page.locator("#room-item").get_attribute("data-current-speaker") or ""


def around(pages: dict, ids: dict, form: str, kind: str, text=None) -> list[str]:
    """Everyone answers in turn, in the form ``form`` of their part; the
    speakers' names in the order they spoke. The turn's banner and the
    answer's message are in the speaker's language."""
    names = {str(pk): name for name, pk in ids.items()}
    spoken = []
    fay = pages["fay"]
    for _ in range(len(pages)):
        expect(fay.locator("#room-item")).not_to_have_attribute(
            "data-current-speaker", "", timeout=LIVE
        )
        name = names[speaker(fay)]
        page = pages[name]
        words = WORDS[LANGUAGE[name]]
        banner = page.locator("#your-turn")
        expect(banner).to_be_visible(timeout=LIVE)
        expect(banner).to_contain_text(words["turn"])
        page.wait_for_function(IDLE, timeout=LIVE)
        answer_form = page.locator(f"#my-part form.{form}")
        answer_form.locator(f"input[name=kind][value={kind}]").check()
        if text:
            answer_form.locator("textarea[name=text]").fill(text(name))
        answer_form.locator("button[type=submit]").click()
        expect(page.locator("#my-part")).to_contain_text(words["recorded"], timeout=LIVE)
        spoken.append(name)
        # The next speaker, or nobody, everywhere.
        expect(fay.locator("#room-item")).not_to_have_attribute(
            "data-current-speaker", str(ids[name]), timeout=LIVE
        )
    expect(fay.locator("#room-item")).to_have_attribute("data-current-speaker", "", timeout=LIVE)
    return spoken


def facilitate(page, action: str) -> None:
    form = page.locator(f"#my-part form.control-{action}")
    if form.locator("summary").count():
        form.locator("summary").click()
    submit(page, form.locator("button[type=submit]"))


class TestABilingualRoom:
    def test_each_reader_follows_a_frame_round_and_a_proposal_in_their_language(
        self, french_meeting, password, new_page, log_in, orm
    ):
        m, ids, items = french_meeting, french_meeting["ids"], french_meeting["items"]
        pages = enter(new_page, log_in, password, m["room"])
        everyone = list(pages.values())
        fay = pages["fay"]
        _eventually(orm, _connected, m["meeting"], expected=set(ids.values()))
        room_speaks(pages, present=False)
        for name, page in pages.items():
            expect(page.locator("#room-presence h2")).to_have_text(
                "0 present" if LANGUAGE[name] == "en" else "0 présent·e"
            )

        # Fay opens the meeting: the frame's opening round is the current item.
        fay.locator("#room-controls form[action$='/open/'] button[type=submit]").click()
        settled(everyone, "waiting", items["opening"])
        room_speaks(pages)
        item_speaks(pages, "frame_waiting", kind="kind_opening")
        for name, page in pages.items():
            expect(page.locator("#room-state .badge")).to_have_text(WORDS[LANGUAGE[name]]["open"])

        # The opening round goes around; each push is in each reader's words.
        submit(fay, fay.locator("#my-part form.control-frame-start button[type=submit]"))
        settled(everyone, "round", items["opening"])
        progress_speaks(pages, 0, 3)
        item_speaks(pages, "nobody", kind="kind_opening")
        spoken = around(pages, ids, "frame-answer-form", "reaction", lambda n: f"{n.title()}: ok.")
        assert sorted(spoken) == ["ana", "bo", "fay"]
        progress_speaks(pages, 3, 3)
        submit(fay, fay.locator("#my-part form.control-frame-close button[type=submit]"))
        settled(everyone, "heard", items["opening"])
        item_speaks(pages, "heard", kind="kind_opening")
        room_speaks(pages)

        # The timer: only its fragment is pushed, counting down in m:ss everywhere.
        timer = fay.locator("#room-controls form.timer-form")
        timer.locator("input[name=minutes]").fill("2")
        submit(fay, timer.locator("button[type=submit]"))
        for page in everyone:
            expect(page.locator("#room-timer .timer-value")).to_have_text(
                re.compile(r"^[0-2]:[0-5]\d$"), timeout=LIVE
            )
        room_speaks(pages)

        # The proposal: presented, a clarifying round, quick reactions, consent.
        proposal = items["proposal"]
        fay.locator("#room-agenda li", has_text="Tour d'arrosage").get_by_role(
            "button", name="Passer à ce point"
        ).click()
        settled(everyone, "draft", proposal)
        item_speaks(pages, "text", "where", kind="kind_proposal")
        facilitate(fay, "present")
        settled(everyone, "presented", proposal)
        item_speaks(pages, "text", "presented", kind="kind_proposal")
        minutes_say(pages, "presented")

        facilitate(fay, "open_clarifying")
        settled(everyone, "clarifying", proposal)
        item_speaks(pages, "text", "clarifying", kind="kind_proposal")
        progress_speaks(pages, 0, 3)
        around(pages, ids, "answer-form", "question", lambda n: f"{n.title()}: en hiver ?")
        progress_speaks(pages, 3, 3)
        room_speaks(pages)

        facilitate(fay, "open_reactions")
        settled(everyone, "reactions", proposal)
        item_speaks(pages, "reactions", kind="kind_proposal")
        around(pages, ids, "answer-form", "reaction", lambda n: f"{n.title()}: d'accord.")

        facilitate(fay, "open_consent")
        settled(everyone, "consent", proposal)
        item_speaks(pages, "text", "consent", kind="kind_proposal")
        progress_speaks(pages, 0, 3)
        around(pages, ids, "answer-form", "consent")
        progress_speaks(pages, 3, 3)
        facilitate(fay, "acknowledge")
        settled(everyone, "adopted", proposal)
        item_speaks(pages, "adopted", kind="kind_proposal")
        minutes_say(pages, "adopted")
        room_speaks(pages)
        assert orm(_proposal_state, m["proposal"]) == "adopted"
        for name, page in pages.items():
            assert page.console_errors == [], (name, page.console_errors)

    def test_each_reader_follows_a_selection_in_their_language(
        self, french_meeting, password, new_page, log_in, orm
    ):
        m, ids = french_meeting, french_meeting["ids"]
        pages = enter(new_page, log_in, password, m["selection_room"])
        everyone = list(pages.values())
        fay = pages["fay"]
        _eventually(orm, _connected, m["selection_meeting"], expected=set(ids.values()))
        fay.locator("#room-controls form[action$='/open/'] button[type=submit]").click()
        for page in everyone:
            expect(page.locator("#room-state")).to_have_attribute(
                "data-state", "open", timeout=LIVE
            )
        item = int(fay.locator("#room-item").get_attribute("data-item"))
        settled(everyone, "setup", item)
        room_speaks(pages)
        lead_selection(fay, "start_nominating")
        settled(everyone, "nominating", item)
        room_speaks(pages)
        item_speaks(pages, "nominating", "where_we_are", "no_consent_round", kind="kind_selection")
        for name, page in pages.items():
            expect(page.locator("#room-item")).to_contain_text(
                "0 of 3 have nominated." if LANGUAGE[name] == "en" else "0 sur 3 ont fait leur"
            )
        # Each nominates (Bo nominates Ana, the others Bo); Fay shows them.
        for name in ("ana", "bo", "fay"):
            nominee = ids["ana"] if name == "bo" else ids["bo"]
            lead_selection(pages[name], "nominate", nominee=nominee, reason=f"{name}: oui.")
        for name, page in pages.items():
            expect(page.locator("#room-item")).to_contain_text(
                "3 of 3 have nominated." if LANGUAGE[name] == "en" else "3 sur 3 ont fait leur",
                timeout=LIVE,
            )
        lead_selection(fay, "show_nominations")
        settled(everyone, "nominations_shown", item)
        item_speaks(pages, "nominations_shown", "where_we_are", kind="kind_selection")
        room_speaks(pages)
        for name, page in pages.items():
            expect(page.locator("#room-item #election-grid")).to_contain_text("bo: oui.")
            assert page.console_errors == [], (name, page.console_errors)
