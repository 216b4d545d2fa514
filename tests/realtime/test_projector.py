"""The projector view: the room's shared part on the wall, for everyone.

It shows the current item, its round and the round's progress, never an
answer a reveal round still hides; it is made of the same shared fragments
the room pushes (same ids), so a push updates it; only members of the
organization see it; it speaks the viewer's language.
"""

import pytest
from django.urls import reverse

from proposals import services as proposals
from realtime import fragments
from realtime import services as meetings

SECRET = "A hidden reaction nobody may read yet"


def projector_url(meeting):
    return reverse(
        "realtime:projector",
        kwargs={"org": meeting.circle.organization.slug, "meeting_id": meeting.pk},
    )


@pytest.fixture
def running(people, meeting):
    """The meeting open, Fay, Mia, Ana and Bo present, a proposal current with
    a reveal round of reactions in which Ana has answered."""
    fac = people["fac"]
    meetings.open_meeting(meeting=meeting, by=fac)
    for who in ("fac", "sec", "ana", "bo"):
        meetings.join(meeting=meeting, user=people[who])
    proposal = proposals.create_proposal(
        circle=people["circle"], by=people["ana"], title="Bike shed", body="Paint it green"
    )
    item = meetings.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=fac)
    meetings.set_current_item(meeting=meeting, item=item, by=fac)
    proposals.present(proposal=proposal, by=fac)
    proposals.open_reactions(proposal=proposal, by=fac, mode="reveal")
    proposals.answer(proposal=proposal, by=people["ana"], kind="reaction", text=SECRET)
    return meeting, proposal


def page(client, user, meeting):
    client.force_login(user)
    return client.get(projector_url(meeting))


class TestWhatTheWallShows:
    def test_the_current_item_its_round_and_progress_not_the_hidden_answer(
        self, client, people, running
    ):
        meeting, _proposal = running
        meeting.refresh_from_db()
        r = page(client, people["bo"], meeting)
        assert r.status_code == 200
        html = r.content.decode()
        assert "Bike shed" in html and 'id="room-item"' in html
        assert f'data-item="{meeting.current_item_id}"' in html
        assert "Quick reactions" in html
        assert "1 of 4" in html
        assert SECRET not in html
        # Not even Ana's own answer: the wall has no viewer.
        assert SECRET not in page(client, people["ana"], meeting).content.decode()
        # No one's controls on the wall.
        assert 'id="my-part"' not in html and "idempotency_key" not in html

    def test_before_the_meeting_opens_and_between_items(self, client, people, meeting):
        html = page(client, people["ana"], meeting).content.decode()
        assert "The meeting has not started yet." in html
        meetings.open_meeting(meeting=meeting, by=people["fac"])
        html = page(client, people["ana"], meeting).content.decode()
        assert "No item is open." in html


class TestItFollowsAPush:
    def test_it_is_made_of_the_fragments_the_room_pushes(self, client, people, running):
        meeting, proposal = running
        html = page(client, people["bo"], meeting).content.decode()
        assert f'ws-connect="/ws/meetings/{meeting.pk}/"' in html
        assert 'data-room-role="projector"' in html
        # What a change of the item pushes: the same ids, swapped out of band.
        proposals.answer(proposal=proposal, by=people["bo"], kind="reaction", text="Blue")
        meeting.refresh_from_db()
        pushed = fragments.render_part(meeting, "item", language="en")
        assert 'id="room-item"' in pushed and 'hx-swap-oob="true"' in pushed
        assert "2 of 4" in pushed and SECRET not in pushed and "Blue" not in pushed
        timer = fragments.render_part(meeting, "timer", language="en")
        assert 'id="room-timer"' in timer and 'id="room-timer"' in html
        # And a reload of the wall shows what the push showed.
        assert "2 of 4" in page(client, people["bo"], meeting).content.decode()

    def test_the_whole_room_a_late_socket_gets_carries_the_same_item(self, people, running):
        meeting, _proposal = running
        _version, whole = fragments.whole_room(meeting.pk, "en")
        assert 'id="room-item"' in whole and "1 of 4" in whole and SECRET not in whole


class TestWhoSeesIt:
    def test_someone_of_another_organization_is_refused(self, client, people, running):
        meeting, _proposal = running
        assert page(client, people["outsider"], meeting).status_code == 404

    def test_a_visitor_must_log_in(self, client, running):
        meeting, _proposal = running
        r = client.get(projector_url(meeting))
        assert r.status_code == 302 and "login" in r["Location"]


class TestItsLanguage:
    @pytest.mark.parametrize(
        "language, words",
        [
            ("en", ["projector", "Quick reactions"]),
            ("fr", ["projecteur", "Réactions rapides"]),
        ],
    )
    def test_it_speaks_the_viewers_language(self, client, people, running, language, words):
        meeting, _proposal = running
        bo = people["bo"]
        bo.language = language
        bo.save(update_fields=["language"])
        html = page(client, bo, meeting).content.decode()
        assert f'lang="{language}"' in html
        for word in words:
            assert word in html
        assert SECRET not in html
