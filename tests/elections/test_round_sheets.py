"""Round sheets: one printed page per round, the names in turn order and a
line each, as a page to print and as a PDF (its text read back with pypdf).

Ops meets; Fay, Mia, Ana, Bo and Cy are present, Leo and Dee are not.
"""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from elections import services
from proposals import services as proposals
from realtime import services as meetings

PRESENT = ("fay", "mia", "ana", "bo", "cy")


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def names_in_order(html: str, sheet: int) -> list[str]:
    """The names of the ``sheet``-th round sheet (1-based), top to bottom."""
    part = html.split('class="round-sheet"')[sheet]
    return re.findall(r'<th scope="row" class="sheet-name">([^<]+)</th>', part)


@pytest.fixture
def meeting(world, election):
    meeting = meetings.schedule_meeting(
        circle=world.team,
        title="Ops weekly",
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=world.fay,
        secretary=world.mia,
        by=world.fay,
    )
    meetings.open_meeting(meeting=meeting, by=world.fay)
    item = meetings.add_item(meeting=meeting, kind="election", election=election, by=world.fay)
    meetings.set_current_item(meeting=meeting, item=item, by=world.fay)
    for name in PRESENT:
        meetings.join(meeting=meeting, user=getattr(world, name))
    return meeting


def seated(world):
    """The members present in seat order (by name)."""
    return sorted((getattr(world, n).name for n in PRESENT), key=str.lower)


def meeting_sheets(client, world, meeting, **query):
    client.force_login(world.mia)
    url = reverse("realtime:sheets", kwargs={"org": world.org.slug, "meeting_id": meeting.pk})
    return client.get(url, query)


class TestASelectionsSheets:
    def test_nominations_change_and_consent_with_the_members_present(
        self, client, world, election, meeting
    ):
        services.start_nominating(election=election, by=world.fay)
        html = meeting_sheets(client, world, meeting).content.decode()
        assert html.count('class="round-sheet"') == 3
        for n, title in enumerate(["Nominations", "Change round", "Consent round"], start=1):
            part = html.split('class="round-sheet"')[n]
            assert f">{title}</h2>" in part
            assert "Secretary of Ops" in part
            assert names_in_order(html, n) == seated(world)
        assert "Nominates" in html.split('class="round-sheet"')[1]
        assert world.leo.name not in names_in_order(html, 1)

    def test_the_consent_round_goes_in_turn_with_the_nominee_last(
        self, client, world, election, meeting
    ):
        services.start_nominating(election=election, by=world.fay)
        for name in PRESENT:
            services.nominate(
                election=election, by=getattr(world, name), nominee=world.bo, reason="r"
            )
        services.show_nominations(election=election, by=world.fay)
        services.start_proposing(election=election, by=world.fay)
        # Proposed, not yet open: the order it will have.
        html = meeting_sheets(client, world, meeting).content.decode()
        assert html.count('class="round-sheet"') == 1
        order = seated(world)
        i = order.index(world.bo.name)
        expected = order[i + 1 :] + order[: i + 1]
        services.propose(
            election=election,
            by=world.fay,
            nominee=world.bo,
            term_end=election.term_end,
            reason="r",
        )
        html = meeting_sheets(client, world, meeting).content.decode()
        assert names_in_order(html, 1) == expected and expected[-1] == world.bo.name
        assert f"Proposal: {world.bo.name}" in html

    def test_the_pdf_has_a_page_per_round_with_the_names(self, client, world, election, meeting):
        services.start_nominating(election=election, by=world.fay)
        r = meeting_sheets(client, world, meeting, format="pdf")
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        assert "attachment" in r["Content-Disposition"]
        pages = _text(r.content)
        assert len(pages) == 3
        assert "Nominations" in pages[0] and "Nominates" in pages[0]
        assert "Consent round" in pages[2]
        for page in pages:
            for name in seated(world):
                assert name in page
            assert world.leo.name not in page

    def test_the_selection_page_links_them_and_they_stand_alone(self, client, world, election):
        client.force_login(world.ana)
        page = client.get(election.get_absolute_url()).content.decode()
        url = reverse("elections:sheets", kwargs={"org": world.org.slug, "pk": election.pk})
        assert f'href="{url}"' in page
        html = client.get(url).content.decode()
        # No meeting runs it: the circle's current members, all seven.
        assert len(names_in_order(html, 1)) == 7
        assert "?format=pdf" in html
        pdf = client.get(url, {"format": "pdf"})
        assert world.leo.name in _text(pdf.content)[0]


class TestAProposalsSheets:
    def test_the_rounds_to_come_in_the_open_rounds_order(self, client, world):
        proposal = proposals.create_proposal(
            circle=world.team, by=world.ana, title="Bike shed", body="Green"
        )
        proposals.present(proposal=proposal, by=world.fay)
        url = reverse("proposals:sheets", kwargs={"org": world.org.slug, "pk": proposal.pk})
        client.force_login(world.ana)
        assert (
            f'href="{url}"'
            in client.get(
                reverse("proposals:detail", kwargs={"org": world.org.slug, "pk": proposal.pk})
            ).content.decode()
        )
        html = client.get(url).content.decode()
        assert html.count('class="round-sheet"') == 3
        assert "Bike shed" in html and "Clarifying questions" in html
        proposals.open_reactions(proposal=proposal, by=world.fay, start_with=world.cy.pk)
        html = client.get(url).content.decode()
        assert html.count('class="round-sheet"') == 2
        assert names_in_order(html, 1)[0] == world.cy.name
        assert names_in_order(html, 2)[0] != world.cy.name  # the consent round: seat order
        text = "\n".join(_text(client.get(url, {"format": "pdf"}).content))
        assert "Quick reactions" in text and world.cy.name in text and "Bike shed" in text


class TestWhoSeesThem:
    def test_members_of_the_organization_only(self, client, world, election, meeting):
        urls = [
            reverse("elections:sheets", kwargs={"org": world.org.slug, "pk": election.pk}),
            reverse("realtime:sheets", kwargs={"org": world.org.slug, "meeting_id": meeting.pk}),
        ]
        for url in urls:
            assert client.get(url).status_code == 302  # log in first
            client.force_login(world.stranger)
            assert client.get(url).status_code == 404
            assert client.get(url, {"format": "pdf"}).status_code == 404
            client.force_login(world.olga)  # of the organization, outside Ops
            assert client.get(url).status_code == 200
            client.logout()

    def test_the_page_speaks_french(self, client, world, election):
        world.ana.language = "fr"
        world.ana.save(update_fields=["language"])
        client.force_login(world.ana)
        url = reverse("elections:sheets", kwargs={"org": world.org.slug, "pk": election.pk})
        html = client.get(url).content.decode()
        assert '<html lang="fr">' in html
        assert ">Tour de changement</h2>" in html and ">Tour de consentement</h2>" in html
        assert ">Nom</th>" in html
