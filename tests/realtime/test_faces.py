"""The room knows a process only through its face (proposals/room.py,
elections/room.py): what everyone sees, what each viewer sees of their own,
and what may go on an agenda."""

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from circles import services as circle_services
from circles.models import OrganizationMember
from core.errors import Invalid
from core.rooms import RoomFace
from elections import room as elections_room
from elections import services as election_services
from proposals import room as proposals_room
from proposals import rounds
from proposals import services as proposal_services
from proposals.models import Response
from proposals.templatetags.proposals_tags import step_url
from realtime import fragments, services, subjects
from realtime import room as frame_room
from realtime.models import FRAME_KINDS

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = {"accounts", "circles", "config", "core", "decisions", "elections", "proposals"}
SECRET = "Only I know why: the compost heap"
# Ids of the processes' shared sections: the viewer's part never holds them.
SHARED_IDS = (
    "proposal-text",
    "proposal-round",
    "proposal-state",
    "proposal-objections",
    "proposal-revisions",
    "proposal-history",
    "proposal-process",
    "election-grid",
    "election-round",
    "election-state",
    "election-record",
    'id="election"',
)


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


class TestRealtimeKnowsProcessesOnlyThroughFaces:
    def test_realtime_imports_no_view_and_no_private_name_of_another_app(self):
        offending = []
        for path in sorted((ROOT / "realtime").rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] not in PROJECT_APPS:
                    continue
                if "views" in parts or any(p.startswith("_") for p in parts[1:]):
                    offending.append((path.name, name))
        assert offending == []

    def test_the_faces_are_room_faces(self):
        for face in (proposals_room, elections_room, frame_room):
            assert isinstance(face, RoomFace)
        assert set(subjects.FACES) == {"proposal", "election", *FRAME_KINDS}
        assert {subjects.FACES[kind] for kind in FRAME_KINDS} == {frame_room}

    def test_no_process_id_in_the_rooms_css_js_or_templates(self):
        process_id = re.compile(r"#(proposal|election)[-\w]*|id=\"(proposal|election)")
        files = [ROOT / "static/css/realtime.css", ROOT / "static/js/realtime.js"]
        files += sorted((ROOT / "templates/realtime").glob("*.html"))
        found = [(f.name, m.group(0)) for f in files for m in process_id.finditer(f.read_text())]
        assert found == []


@pytest.fixture
def running(people, meeting):
    """The meeting is open with everyone present; a proposal is its current item."""
    proposal = proposal_services.create_proposal(
        circle=people["circle"], by=people["ana"], title="Compost", body="We compost."
    )
    services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=people["fac"])
    services.open_meeting(meeting=meeting, by=people["fac"])
    for who in ("sec", "ana", "bo"):
        services.join(meeting=meeting, user=people[who])
    return proposal


@pytest.fixture
def selection(people, meeting, running):
    """A selection for a treasurer, made the meeting's current item, nominating."""
    role = circle_services.create_role(
        circle=people["circle"], name="Treasurer", by=people["admin"]
    )
    election = election_services.open_election(role=role, by=people["fac"])
    item = services.add_item(meeting=meeting, kind="election", election=election, by=people["fac"])
    services.set_current_item(meeting=meeting, item=item, by=people["fac"])
    election_services.start_nominating(election=election, by=people["fac"])
    return election


def _to_consent(proposal, facilitator, mode="in_turn"):
    proposal_services.present(proposal=proposal, by=facilitator)
    proposal_services.open_reactions(proposal=proposal, by=facilitator)
    proposal_services.close_round(proposal=proposal, by=facilitator)
    proposal_services.open_consent_round(proposal=proposal, by=facilitator, mode=mode)


def _mine(client, user, meeting) -> str:
    client.force_login(user)
    url = reverse("realtime:me", kwargs={"org": "acme", "meeting_id": meeting.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestTheViewersPart:
    def test_a_member_gets_only_their_own_part(self, client, people, meeting, running):
        html = _mine(client, people["bo"], meeting)
        assert 'id="proposal-mine"' in html
        assert 'id="proposal-answer"' in html
        for shared in SHARED_IDS:
            assert shared not in html
        assert "control-" not in html  # not one of the facilitator's buttons, hidden or not

    def test_the_facilitator_gets_their_buttons(self, client, people, meeting, running):
        html = _mine(client, people["fac"], meeting)
        assert "control-present" in html
        for shared in SHARED_IDS:
            assert shared not in html

    def test_a_guest_is_told_they_watch(self, client, people, meeting, running):
        guest = get_user_model().objects.create_user(
            email="guest@example.org", password="x", display_name="Guest"
        )
        OrganizationMember.objects.create(organization=people["org"], user=guest)
        html = _mine(client, guest, meeting)
        assert "proposal-mine" not in html
        assert "You are watching" in html

    def test_no_current_item_leaves_the_part_empty_so_the_room_hides_it(
        self, client, people, meeting
    ):
        # The room's CSS hides the part when .room-mine has nothing, not even
        # a space (:empty): a phone showed an empty box above the item.
        html = _mine(client, people["bo"], meeting)
        assert re.search(r'<div class="room-mine"[^>]*></div>', html), html
        css = (ROOT / "static/css/realtime.css").read_text()
        assert ".room-me:has(> .room-mine:empty) { display: none; }" in css

    def test_a_viewer_with_a_part_gets_it_inside_the_same_element(
        self, client, people, meeting, running
    ):
        html = _mine(client, people["bo"], meeting)
        assert not re.search(r'<div class="room-mine"[^>]*></div>', html)
        assert 'id="proposal-mine"' in html

    def test_a_member_of_a_selection_gets_their_nomination_form_only(
        self, client, people, meeting, selection
    ):
        html = _mine(client, people["bo"], meeting)
        assert 'id="election-mine"' in html
        assert "action-nominate" in html
        assert "action-show_nominations" not in html
        for shared in SHARED_IDS:
            assert shared not in html
        assert "action-show_nominations" in _mine(client, people["fac"], meeting)

    def test_an_action_from_the_room_answers_with_the_viewers_part(
        self, client, people, meeting, running
    ):
        _to_consent(running, people["fac"])
        client.force_login(people["ana"])
        url = step_url(running, "answer")
        response = client.post(
            url,
            {"kind": "consent", "idempotency_key": "9d7c6e1a-0000-4000-8000-000000000001"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET=proposals_room.MINE_ID,
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="proposal-mine"' in html and "Your answer is recorded" in html
        for shared in SHARED_IDS:
            assert shared not in html
        assert Response.objects.filter(member=people["ana"], kind="consent").count() == 1
        # From the proposal's page, the same action answers with the page's section.
        page = client.post(
            url, {"kind": "consent"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="proposal-process"
        )
        assert 'id="proposal-process"' in page.content.decode()

    def test_a_nomination_from_the_room_answers_with_the_viewers_part(
        self, client, people, meeting, selection
    ):
        client.force_login(people["ana"])
        url = reverse(
            "elections:action", kwargs={"org": "acme", "pk": selection.pk, "step": "nominate"}
        )
        response = client.post(
            url,
            {"nominee": people["bo"].pk, "reason": "Bo counts well."},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET=elections_room.MINE_ID,
        )
        html = response.content.decode()
        assert 'id="election-mine"' in html and "You nominated Bo" in html
        for shared in SHARED_IDS:
            assert shared not in html
        assert selection.nominations.filter(nominator=people["ana"]).count() == 1


class TestOwnAnswersShowAsRecorded:
    def test_a_position_in_a_selections_consent_round(self, client, people, meeting, selection):
        for who in ("fac", "sec", "ana", "bo"):
            election_services.nominate(
                election=selection, by=people[who], nominee=people["bo"], reason="Bo."
            )
        election_services.show_nominations(election=selection, by=people["fac"])
        election_services.start_proposing(election=selection, by=people["fac"])
        selection.refresh_from_db()
        election_services.propose(
            election=selection,
            by=people["fac"],
            nominee=people["bo"],
            term_end=selection.term_end,
            reason="Everyone named Bo.",
        )
        round_ = rounds.open_round_of(selection)
        speaker = get_user_model().objects.get(pk=round_.current_speaker_id)
        assert "Your answer is recorded" not in _mine(client, speaker, meeting)
        election_services.answer(election=selection, by=speaker, kind="consent", text="Fine by me.")
        # Their own part says so, on every load (a reload included); nobody else's does.
        html = _mine(client, speaker, meeting)
        assert "Your answer is recorded: Consent." in html and "Fine by me." in html
        others = [p for p in ("fac", "sec", "ana", "bo") if people[p] != speaker]
        assert "Your answer is recorded" not in _mine(client, people[others[0]], meeting)


class TestTheSharedNominationProgress:
    def test_the_count_and_ticks_are_in_the_shared_part_never_whom(
        self, people, meeting, selection
    ):
        election_services.nominate(
            election=selection, by=people["ana"], nominee=people["bo"], reason=SECRET
        )
        meeting.refresh_from_db()
        room = fragments.render_room(meeting)
        assert "1 of 4 have nominated." in room
        assert 'data-name="Ana"' in room and SECRET not in room


class TestHiddenAnswersNeverReachTheRoom:
    def test_an_objection_in_an_open_reveal_round(self, client, people, meeting, running):
        _to_consent(running, people["fac"], mode="reveal")
        proposal_services.answer(proposal=running, by=people["ana"], kind="object", text=SECRET)
        meeting.refresh_from_db()
        assert SECRET not in fragments.render_room(meeting)
        for who in ("bo", "fac", "sec"):
            assert SECRET not in _mine(client, people[who], meeting)
        client.force_login(people["bo"])
        room = client.get(
            reverse("realtime:room", kwargs={"org": "acme", "meeting_id": meeting.pk})
        )
        assert SECRET not in room.content.decode()
        assert SECRET in _mine(client, people["ana"], meeting)  # her own answer

    def test_a_nomination_before_they_are_shown(self, client, people, meeting, selection):
        election_services.nominate(
            election=selection, by=people["ana"], nominee=people["bo"], reason=SECRET
        )
        meeting.refresh_from_db()
        assert SECRET not in fragments.render_room(meeting)
        for who in ("bo", "fac", "sec"):
            assert SECRET not in _mine(client, people[who], meeting)
        assert SECRET in _mine(client, people["ana"], meeting)


class TestTheAgenda:
    def test_it_offers_what_may_go_on_an_agenda(self, people, meeting, running):
        withdrawn = proposal_services.create_proposal(
            circle=people["circle"], by=people["ana"], title="Old", body="."
        )
        proposal_services.withdraw(proposal=withdrawn, by=people["fac"], reason="Gone.")
        choices = dict(subjects.agenda_choices(people["circle"]))
        assert choices == {f"proposal:{running.pk}": "Proposal: Compost"}
        assert subjects.agenda_subject(people["circle"], f"proposal:{withdrawn.pk}") is None
        with pytest.raises(Invalid):
            services.add_item(
                meeting=meeting, kind="proposal", proposal=withdrawn, by=people["fac"]
            )
        assert not meeting.items.filter(proposal=withdrawn).exists()


class TestTheMinutesSoFar:
    """The room's minutes list the items done, the current one and any with
    notes; before any, they say so (an agenda of items not yet run left an
    empty list under the heading)."""

    def _minutes(self, meeting) -> str:
        html = fragments.render_room(meeting)
        return re.search(r'<section id="room-minutes".*?</section>', html, re.S).group(0)

    def test_an_agenda_not_yet_run_shows_nothing_yet(self, people, meeting):
        services.add_item(meeting=meeting, kind="other", title="Budget", by=people["fac"])
        minutes = self._minutes(meeting)
        assert "Nothing yet." in minutes
        assert "<ol>" not in minutes
        assert "Budget" not in minutes

    def test_the_current_item_is_listed(self, people, meeting, running):
        meeting.refresh_from_db()
        minutes = self._minutes(meeting)
        assert "Compost" in minutes
        assert "Nothing yet." not in minutes
