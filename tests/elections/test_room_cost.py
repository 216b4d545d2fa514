"""A selection's room action reads the selection once (issue 12): the acting
view answers from what its own broadcast read on commit, never from what
another request left; the nominations are read together, the meeting's
session once a phase; and every guarantee holds: a hidden nomination is never
in the shared part, a refused action changes nothing, a member removed
mid-meeting is refused at their next action."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles import services as circle_services
from core.idempotency import new_key
from elections import room, selectors, services
from elections.models import Nomination
from elections.steps import STEPS
from realtime import services as meeting_services

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Bo-s-secret-reason"


@pytest.fixture
def live(world, election):
    """Ops meets, Fay facilitating; the selection is the current item, its
    nominations open, and Ana, Bo and Cy are present."""
    meeting = meeting_services.schedule_meeting(
        circle=world.team,
        title="Ops weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.fay,
        by=world.fay,
    )
    meeting_services.open_meeting(meeting=meeting, by=world.fay)
    item = meeting_services.add_item(
        meeting=meeting, kind="election", election=election, by=world.fay
    )
    meeting_services.set_current_item(meeting=meeting, item=item, by=world.fay)
    for member in (world.fay, world.ana, world.bo, world.cy):
        meeting_services.join(meeting=meeting, user=member)
    services.start_nominating(election=election, by=world.fay)
    world.meeting = meeting
    return election


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nominate(world, election, who, nominee, reason="She keeps good notes.", key=None, target=None):
    url = reverse(
        "elections:action",
        kwargs={"org": world.org.slug, "pk": election.pk, "step": STEPS["nominate"].url},
    )
    headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})}
    return _client(who).post(
        url,
        {"nominee": nominee.pk, "reason": reason, "idempotency_key": key or new_key()},
        headers=headers,
    )


@pytest.fixture
def reads(monkeypatch):
    """The selections read whole (``selectors.process``), by primary key."""
    seen = []
    original = selectors.process

    def counting(election):
        seen.append(election.pk)
        return original(election)

    monkeypatch.setattr(selectors, "process", counting)
    return seen


class TestTheHandOver:
    def test_the_answer_takes_the_broadcasts_read(self, world, live, reads):
        response = _nominate(world, live, world.ana, world.cy, reason="Cy keeps good notes.")
        assert response.status_code == 200
        assert Nomination.objects.filter(election=live, nominator=world.ana).count() == 1
        # One read, by the broadcast on commit; the view's answer took it over.
        assert reads == [live.pk]
        assert "Cy keeps good notes." in response.content.decode()
        assert room.take_over(live.pk) is None  # taken once

    def test_what_an_earlier_request_left_is_not_used(self, world, election, reads):
        # A selection on no agenda: its steps broadcast nothing, so its view
        # has nothing of its own to take over.
        services.start_nominating(election=election, by=world.fay)
        election.refresh_from_db()
        room._handoff.data = {election.pk: selectors.process(election)}  # before the nomination
        response = _nominate(world, election, world.ana, world.cy, reason="Cy keeps good notes.")
        assert response.status_code == 200
        assert Nomination.objects.filter(election=election, nominator=world.ana).count() == 1
        assert "Cy keeps good notes." in response.content.decode()
        assert reads == [election.pk, election.pk]  # the stale one, then the view's own

    def test_a_refused_action_changes_nothing_and_takes_no_hand_over(self, world, live, reads):
        response = _nominate(world, live, world.ana, world.cy, reason="")
        assert "Give the reason for your nomination." in response.content.decode()
        assert not Nomination.objects.filter(election=live).exists()
        assert reads == [live.pk]  # the view's own: nothing was broadcast

    def test_a_second_nomination_is_refused_and_the_first_stays(self, world, live):
        _nominate(world, live, world.ana, world.cy, reason="Cy keeps good notes.")
        response = _nominate(world, live, world.ana, world.bo, reason="Or Bo.")
        assert response.status_code == 200  # the section, as it stands
        assert "You nominated Cy." in response.content.decode()
        assert list(
            Nomination.objects.filter(election=live).values_list("nominator", "nominee", "reason")
        ) == [(world.ana.pk, world.cy.pk, "Cy keeps good notes.")]

    def test_a_replayed_key_answers_with_the_one_nomination(self, world, live, reads):
        key = new_key()
        _nominate(world, live, world.ana, world.cy, reason="Cy keeps good notes.", key=key)
        response = _nominate(
            world, live, world.ana, world.cy, reason="Cy keeps good notes.", key=key
        )
        assert response.status_code == 200
        assert Nomination.objects.filter(election=live).count() == 1
        assert "Cy keeps good notes." in response.content.decode()
        assert reads == [live.pk, live.pk]  # the replay broadcast nothing: read afresh


class TestWhatItReads:
    def test_the_nominations_once_and_the_session_once_a_phase(self, world, live):
        _nominate(world, live, world.bo, world.cy)  # warm (templates, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = _nominate(world, live, world.ana, world.cy)
        assert response.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        nomination_reads = [
            q for q in sql if q.startswith("SELECT") and "elections_nomination" in q
        ]
        # The broadcast's read, which the answer took over.
        assert len(nomination_reads) == 1, nomination_reads
        # The meeting that runs it, read for the service's check (inside its
        # transaction, after the lock), never carried across the write; after
        # commit the session is the room's, built from the meeting the room
        # has just read (realtime.subjects.subject_context): not read again.
        joined = '"realtime_meeting"."current_item_id" = "realtime_agendaitem"."id"'
        session_reads = [q for q in sql if joined in q]
        assert len(session_reads) == 1, session_reads

    def test_the_selection_its_nominations_and_rounds_ask_for_no_ordering(self, world, live):
        """The view's read of the selection (one row) and the process's reads
        of its nominations and rounds are sorted in Python
        (``core.queries``); the room still lists the nominations in order."""
        _nominate(world, live, world.bo, world.cy)
        with CaptureQueriesContext(connection) as ctx:
            response = _nominate(world, live, world.ana, world.bo)
        assert response.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        reads = [
            q
            for q in sql
            for table in ("elections_election", "elections_nomination", "proposals_round")
            if q.startswith(f'SELECT "{table}"."id"')
        ]
        assert reads, sql
        ordered = [q for q in reads if "ORDER BY" in q]
        assert not ordered, ordered
        process = selectors.process(live)
        assert [(n.nominator, n.nominee) for n in process.nominations] == [
            (world.bo, world.cy),
            (world.ana, world.bo),
        ]

    def test_from_the_room_the_history_is_not_read(self, world, live):
        _nominate(world, live, world.bo, world.cy, target=room.MINE_ID)  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = _nominate(world, live, world.ana, world.cy, target=room.MINE_ID)
        assert 'id="election-mine"' in response.content.decode()
        assert "You nominated Cy." in response.content.decode()
        # Neither the shared part nor the viewer's part shows the history, and
        # no round was opened yet.
        assert not [q for q in ctx.captured_queries if "elections_electionevent" in q["sql"]]


class TestTheGuarantees:
    def test_a_hidden_nomination_is_never_in_the_shared_part(self, world, live, monkeypatch):
        from realtime import broadcast

        sent = []
        original = broadcast.publisher.submit

        def keep(method, target, message):
            sent.append(message.get("html", ""))
            return original(method, target, message)

        monkeypatch.setattr(broadcast.publisher, "submit", keep)
        response = _nominate(world, live, world.bo, world.cy, reason=SECRET)
        assert SECRET in response.content.decode()  # the author sees their own
        assert sent and all(SECRET not in html for html in sent)
        assert "1 of 4 have nominated" in sent[-1]
        # Someone else's answer, from their own broadcast, does not show it either.
        response = _nominate(world, live, world.ana, world.cy)
        assert SECRET not in response.content.decode()
        assert all(SECRET not in html for html in sent)

    def test_a_member_removed_mid_meeting_is_refused_at_their_next_action(self, world, live):
        assert _nominate(world, live, world.bo, world.cy).status_code == 200
        circle_services.remove_member(circle=world.team, user=world.ana, by=world.admin)
        response = _nominate(world, live, world.ana, world.cy)
        assert "Only the members of the circle take part" in response.content.decode()
        assert not Nomination.objects.filter(election=live, nominator=world.ana).exists()
        assert Nomination.objects.filter(election=live).count() == 1


@pytest.mark.parametrize("actor", ["fr", "en"])
def test_each_room_gets_the_selection_in_its_language(world, live, reads, monkeypatch, actor):
    from django.utils import translation

    from realtime import broadcast
    from realtime.models import Connection, RoomVersion

    for n, (who, language) in enumerate(((world.ana, "en"), (world.bo, "fr"))):
        Connection.objects.create(
            meeting=world.meeting, user=who, channel_name=f"c{n}", language=language
        )
    sent = []
    monkeypatch.setattr(
        broadcast.publisher,
        "submit",
        lambda method, target, message: sent.append((target, message["html"])),
    )
    version = RoomVersion.current([world.meeting.pk])[world.meeting.pk]
    with translation.override(actor):
        broadcast.broadcast_meeting(world.meeting, version=version, part="item")
    html = {target.rsplit(".", 1)[-1]: text for target, text in sent}
    assert set(html) == {"en", "fr"}
    assert "0 of 4 have nominated." in html["en"] and "ont fait leur" not in html["en"]
    assert "0 sur 4 ont fait leur nomination." in html["fr"] and "have nominated" not in html["fr"]
    assert reads == [live.pk]  # read once for both languages
