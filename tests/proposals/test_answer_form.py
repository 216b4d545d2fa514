"""The answer form never changes what a person meant.

An objection sent without its reason came back with "I consent" selected
and the typed text gone (the form always started on the first kind); typing
the reason and sending again then recorded a consent carrying the
objection's text. The change-answer form always reset to consent with an
empty reason.
"""

import re

import pytest
from django.urls import reverse

from core.idempotency import new_key
from proposals import rounds, services
from proposals.models import Objection, Response
from proposals.templatetags.proposals_tags import step_url


@pytest.fixture
def consent(team):
    """An in-turn consent round where ana speaks first."""
    p = services.create_proposal(circle=team.circle, by=team.members[0], title="Flour", body="Buy")
    services.present(proposal=p, by=team.facilitator)
    services.open_reactions(proposal=p, by=team.facilitator)
    services.close_round(proposal=p, by=team.facilitator)
    services.open_consent_round(proposal=p, by=team.facilitator, start_with=team.members[0].pk)
    return p


def _detail(p):
    return reverse("proposals:detail", kwargs={"org": "acme", "pk": p.pk})


def _checked(html: str) -> list[str]:
    """The values of the checked answer radios."""
    return re.findall(r'<input type="radio" name="kind" value="(\w+)" required checked>', html)


def _textarea(html: str, name: str) -> str:
    found = re.search(
        rf'<textarea id="answer-{name}" name="{name}"[^>]*>(.*?)</textarea>', html, re.S
    )
    assert found, name
    return found.group(1)


def _post(client, p, htmx: bool, **data):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(step_url(p, "answer"), {**data, "idempotency_key": new_key()}, **extra)


def _responses(p):
    return list(
        Response.objects.filter(round=rounds.open_round_of(p), replaced__isnull=True).values_list(
            "member__display_name", "kind", "text"
        )
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
class TestAnObjectionWithoutAReason:
    def test_it_comes_back_as_an_objection_with_what_was_typed(self, client, team, consent, htmx):
        ana = team.members[0]
        client.force_login(ana)
        r = _post(client, consent, htmx, kind="object", text="", concern="Le prix du blé")
        assert r.status_code in (200, 400)
        html = r.content.decode()
        assert "An objection needs a reason." in html
        assert _checked(html) == ["object"]  # never "consent" again
        assert _textarea(html, "concern") == "Le prix du blé"
        assert 'aria-invalid="true"' in html  # the reason field, where the error is
        assert _responses(consent) == []  # nothing recorded

    def test_sending_the_reason_then_records_an_objection_never_a_consent(
        self, client, team, consent, htmx
    ):
        ana = team.members[0]
        client.force_login(ana)
        html = _post(client, consent, htmx, kind="object", text="  ").content.decode()
        # What the person sends next is what the form holds, plus the reason.
        kind = _checked(html)[0]
        _post(client, consent, htmx, kind=kind, text="Trop cher")
        assert _responses(consent) == [(ana.display_name, "object", "Trop cher")]
        assert Objection.objects.filter(proposal=consent, reason="Trop cher").exists()
        assert not Response.objects.filter(kind="consent").exists()


class TestChangingAnAnswer:
    def test_the_form_shows_the_recorded_objection_and_its_text(self, client, team, consent):
        ana = team.members[0]
        services.answer(proposal=consent, by=ana, kind="object", text="Trop cher")
        client.force_login(ana)
        html = client.get(_detail(consent)).content.decode()
        assert "Change my answer" in html
        assert _checked(html) == ["object"]
        assert _textarea(html, "text") == "Trop cher"

    def test_the_form_shows_a_recorded_consent_with_its_concern(self, client, team, consent):
        ana = team.members[0]
        services.answer(proposal=consent, by=ana, kind="consent", concern="Le transport")
        client.force_login(ana)
        html = client.get(_detail(consent)).content.decode()
        assert _checked(html) == ["consent"]
        assert _textarea(html, "concern") == "Le transport"

    def test_a_refused_change_keeps_what_was_sent_not_what_was_recorded(
        self, client, team, consent
    ):
        ana = team.members[0]
        services.answer(proposal=consent, by=ana, kind="consent")
        client.force_login(ana)
        html = _post(client, consent, True, kind="object", text="").content.decode()
        assert _checked(html) == ["object"]
        assert _responses(consent) == [(ana.display_name, "consent", "")]

    def test_a_first_answer_in_a_consent_round_starts_on_no_stance(self, client, team, consent):
        # Consent is chosen, never defaulted: a hurried Ctrl+Enter consented.
        client.force_login(team.members[0])
        html = client.get(_detail(consent)).content.decode()
        assert _checked(html) == []
        assert 'value="consent" required>' in html and 'value="object" required>' in html
        assert _textarea(html, "text") == ""

    def test_a_first_answer_in_a_round_of_words_starts_on_its_first_kind(self, client, team):
        p = services.create_proposal(
            circle=team.circle, by=team.members[0], title="Oats", body="Oat milk."
        )
        services.present(proposal=p, by=team.facilitator)
        services.open_reactions(proposal=p, by=team.facilitator, start_with=team.members[0].pk)
        client.force_login(team.members[0])
        assert _checked(client.get(_detail(p)).content.decode()) == ["reaction"]

    def test_the_facilitator_recording_an_answer_is_offered_no_stance(self, client, team, consent):
        client.force_login(team.facilitator)
        html = client.get(_detail(consent)).content.decode()
        record = html[html.index('id="answer-for-member"') :]
        assert 'value="consent" required>' in record
        assert not re.search(r'name="kind" value="\w+" required checked', record)
