"""Once a round closes, the proposal page shows every answer by kind.

It showed only the objections (in their own panel): consents, concerns and
who did not answer vanished from the process section.
"""

import re

import pytest
from django.urls import reverse

from proposals import services


@pytest.fixture
def closed(team):
    """A reveal consent round: ana consents with a concern, bo objects, cy
    and fay do not answer; then the facilitator closes it."""
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="Flour", body="Buy")
    services.present(proposal=p, by=team.facilitator)
    services.open_reactions(proposal=p, by=team.facilitator)
    services.close_round(proposal=p, by=team.facilitator)
    services.open_consent_round(proposal=p, by=team.facilitator, mode="reveal")
    ana, bo, _cy = team.members
    services.answer(proposal=p, by=ana, kind="consent", concern="Le transport en hiver")
    services.answer(proposal=p, by=bo, kind="object", text="Le moulin est trop loin")
    services.close_round(proposal=p, by=team.facilitator)
    return p


def _section(html: str) -> str:
    found = re.search(r'<section id="proposal-closed-round".*?</section>', html, re.S)
    assert found, "the closed round is shown in the process section"
    return found.group(0)


def _group(section: str, heading: str) -> str:
    found = re.search(rf"<h3[^>]*>{heading} .*?</h3>(.*?)(?=<h3|</div>)", section, re.S)
    assert found, heading
    return found.group(1)


class TestTheClosedRound:
    @pytest.mark.parametrize("who", ["member", "facilitator"])
    def test_it_shows_every_answer_by_kind_and_who_did_not_answer(self, client, team, closed, who):
        client.force_login(team.members[2] if who == "member" else team.facilitator)
        html = client.get(reverse("proposals:detail", kwargs={"org": "acme", "pk": closed.pk}))
        section = _section(html.content.decode())
        assert f"2 of {len(team.participants)} answered" in section
        assert "Ana" in _group(section, "Consents")
        objections = _group(section, "Objections")
        assert "Bo" in objections and "Le moulin est trop loin" in objections
        concerns = _group(section, "Concerns")
        assert "Ana" in concerns and "Le transport en hiver" in concerns
        missing = _group(section, "Did not answer")
        assert "Cy" in missing and "Fay" in missing
        assert "Ana" not in missing and "Bo" not in missing

    def test_the_htmx_answer_to_closing_carries_it(self, client, team):
        from core.idempotency import new_key
        from proposals.templatetags.proposals_tags import step_url

        p = services.create_proposal(circle=team.circle, by=team.members[0], title="T", body="B")
        services.present(proposal=p, by=team.facilitator)
        services.open_reactions(proposal=p, by=team.facilitator, mode="reveal")
        services.answer(proposal=p, by=team.members[1], kind="reaction", text="Bravo")
        client.force_login(team.facilitator)
        r = client.post(
            step_url(p, "close_round"), {"idempotency_key": new_key()}, HTTP_HX_REQUEST="true"
        )
        section = _section(r.content.decode())
        assert "Bravo" in _group(section, "Reactions")
        assert "Ana" in _group(section, "Did not answer")

    def test_the_closed_rounds_list_groups_them_too(self, client, team, closed):
        client.force_login(team.members[0])
        html = client.get(reverse("proposals:detail", kwargs={"org": "acme", "pk": closed.pk}))
        past = html.content.decode().split('id="past-title"')[1]
        assert "Did not answer" in past and "Le transport en hiver" in past
