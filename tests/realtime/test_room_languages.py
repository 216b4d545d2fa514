"""Every language's room gets the current item's process in that language,
whoever acted: the process is read once per change, its shared part rendered
once per language (``core.rooms.PerLanguage``)."""

import pytest
from django.utils import translation

from proposals import selectors as proposal_selectors
from realtime import broadcast, fragments
from realtime.models import Connection, RoomVersion
from tests.realtime.helpers import presented_in_room


@pytest.fixture
def running(room_setup):
    s = room_setup
    proposal = presented_in_room(s)
    # Sockets open in both languages.
    for n, (who, language) in enumerate((("ana", "en"), ("bo", "fr"))):
        Connection.objects.create(
            meeting=s["meeting"], user=s[who], channel_name=f"c{n}", language=language
        )
    s["proposal"] = proposal
    return s


def _subject_part(html: str) -> str:
    start = html.index('<div class="room-subject">')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("actor", ["fr", "en"])
def test_each_room_gets_the_process_in_its_language(running, monkeypatch, actor):
    sent, reads = [], []
    monkeypatch.setattr(
        broadcast.publisher,
        "submit",
        lambda method, target, message: sent.append((target, message)),
    )
    original = proposal_selectors.process_data
    monkeypatch.setattr(
        proposal_selectors, "process_data", lambda p, **kw: reads.append(p.pk) or original(p, **kw)
    )
    meeting = running["meeting"]
    version = RoomVersion.current([meeting.pk])[meeting.pk]
    with translation.override(actor):
        mine = broadcast.broadcast_meeting(meeting, version=version, part="item")
    html = {target.rsplit(".", 1)[-1]: _subject_part(message["html"]) for target, message in sent}
    assert set(html) == {"en", "fr"}
    assert "The text (revision 1)" in html["en"] and "Le texte" not in html["en"]
    assert "Le texte (version 1)" in html["fr"] and "The text" not in html["fr"]
    assert _subject_part(mine) == html[actor]
    assert reads == [running["proposal"].pk]  # read once for both languages


def test_a_new_socket_gets_the_whole_room_in_its_language(running):
    meeting = running["meeting"]
    with translation.override("en"):  # whatever the consumer's thread speaks
        _version, french = fragments.whole_room(meeting.pk, "fr")
    assert "Le texte (version 1)" in _subject_part(french)
    assert "The text (revision 1)" not in _subject_part(french)
