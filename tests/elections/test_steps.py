"""Every step of the table is reachable from the page and the API, reads the
same input in both, and is refused the same way by the service, the page and
the API."""

from datetime import timedelta

import pytest
from django.urls import resolve, reverse
from django.utils.html import escape

from core.errors import DomainError
from core.steps import run
from elections import forms, views
from elections.models import Election, ElectionEvent, Nomination
from elections.steps import OPEN, STEPS


def page_url(world, election, step):
    return reverse(
        "elections:action", kwargs={"org": world.org.slug, "pk": election.pk, "step": step.url}
    )


def sample(world, election, name) -> dict:
    """A well-formed input for each step (what a form or a body would send)."""
    end = (election.term_start + timedelta(days=200)).isoformat()
    return {
        "set_term": {"term_start": election.term_start.isoformat(), "term_end": end},
        "review_role": {"reason": "r", "qualifications": "Patient"},
        "answer_role_change": {"kind": "consent"},
        "drop_role_change": {"reason": "r"},
        "nominate": {"nominee": world.cy.pk, "reason": "r"},
        "change_nomination": {"nominee": world.cy.pk, "reason": "r"},
        "propose": {"nominee": world.cy.pk, "term_end": end, "reason": "r"},
        "answer": {"kind": "consent"},
        "parent_response": {"accepted": "true", "reason": ""},
        "cancel": {"reason": "r"},
    }.get(name, {})


def before(election):
    e = Election.objects.get(pk=election.pk)
    return (e.state, e.role_change, Nomination.objects.count(), ElectionEvent.objects.count())


@pytest.fixture(scope="module")
def openapi():
    from config.api import api

    return api.get_openapi_schema()


class TestEveryStepIsReachable:
    @pytest.mark.parametrize("name", list(STEPS.steps))
    def test_the_page_and_the_api_have_it(self, openapi, name):
        step = STEPS[name]
        path = reverse("elections:action", kwargs={"org": "acme", "pk": 7, "step": step.url})
        match = resolve(path)
        assert match.func is views.election_action
        assert STEPS.by_url[match.kwargs["step"]] is step
        operation = openapi["paths"]["/api/v1/orgs/{org}/elections/{election_id}/" + step.url]
        operation = operation["post"]
        assert operation["operationId"] == step.extra["operation_id"]
        assert ("requestBody" in operation) == (step.input is not None)
        assert "Idempotency-Key" in {p["name"] for p in operation.get("parameters", [])}

    @pytest.mark.parametrize("name", list(STEPS.steps))
    def test_its_form_shows_exactly_the_fields_of_its_input(self, name):
        step = STEPS[name]
        form = forms.form_class(step)()
        fields = set(form.fields) - {"idempotency_key"}
        assert fields == set(step.input.model_fields if step.input else ())

    def test_opening_reads_the_same_input_on_the_page(self):
        fields = set(forms.OpenElectionForm().fields) - {"idempotency_key"}
        assert fields == set(OPEN.input.model_fields)


class TestEveryStepIsRefusedTheSameWay:
    """A plain member (bo) at the setup: every step is refused, by the
    permission (a facilitator's or the parent's step) or by the state."""

    @pytest.mark.parametrize("name", list(STEPS.steps))
    def test_service_page_and_api_give_the_same_refusal(self, client, world, election, name):
        step = STEPS[name]
        verdict = STEPS.may(name, election, world.bo)
        assert not verdict
        data = sample(world, election, name)
        state = before(election)
        with pytest.raises(DomainError) as refused:
            run(STEPS, name, election, by=world.bo, data=data)
        error = refused.value
        assert (error.code, error.message) == (verdict.error.code, verdict.message)

        client.force_login(world.bo)
        page = client.post(page_url(world, election, step), data)
        assert page.status_code == error.status
        assert escape(error.message) in page.content.decode()

        api = client.post(
            f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/{step.url}",
            data,
            content_type="application/json",
        )
        assert api.status_code == error.status
        assert api.json() == {"detail": error.message, "code": error.code}
        assert before(election) == state

    def test_an_unknown_step_is_not_found(self, client, world, election):
        client.force_login(world.fay)
        url = f"/o/{world.org.slug}/elections/{election.pk}/promote-myself/"
        assert client.post(url, {}).status_code == 404


class TestMissingInputIsRefusedTheSameWay:
    """A value left out gets the service's message (in the user's language),
    the same on the page and in the API, and changes nothing."""

    @pytest.mark.parametrize(
        "at, who, name, data, message",
        [
            ("election", "fay", "set_term", {}, "A term needs a start and an end date."),
            ("nominating", "ana", "nominate", {"reason": "r"}, "Choose a person of the circle."),
        ],
    )
    def test_page_and_api(self, request, client, world, at, who, name, data, message):
        election = request.getfixturevalue(at)
        state = before(election)
        client.force_login(getattr(world, who))
        page = client.post(page_url(world, election, STEPS[name]), data)
        assert page.status_code == 400
        assert escape(message) in page.content.decode()
        api = client.post(
            f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}/{STEPS[name].url}",
            data,
            content_type="application/json",
        )
        assert api.status_code == 400
        assert api.json()["detail"] == message
        assert before(election) == state
