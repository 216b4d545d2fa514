"""A meeting cannot be scheduled in the past (one could be set in 2020); the
form names the field in its error summary."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid
from realtime import services
from realtime.models import Meeting


def _schedule(people, start):
    return services.schedule_meeting(
        circle=people["circle"],
        title="Weekly",
        scheduled_start=start,
        facilitator=people["fac"],
        by=people["fac"],
    )


def test_the_service_refuses_a_start_in_the_past(people):
    with pytest.raises(Invalid) as refused:
        _schedule(people, datetime(2020, 3, 1, 18, tzinfo=UTC))
    assert refused.value.field == "scheduled_start"
    assert not Meeting.objects.exists()


def test_a_meeting_starting_now_or_later_is_scheduled(people):
    _schedule(people, timezone.now() - timedelta(minutes=5))  # typed to the minute
    _schedule(people, timezone.now() + timedelta(days=7))
    assert Meeting.objects.count() == 2


def test_the_form_shows_the_error_at_its_field_and_names_it(client, people):
    client.force_login(people["fac"])
    url = reverse("realtime:new", kwargs={"org": "acme"}) + "?circle=" + people["circle"].slug
    response = client.post(
        url,
        {"title": "Weekly", "scheduled_start": "2020-03-01T18:00", "facilitator": people["fac"].pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_scheduled_start_error"' in html  # at the field
    assert '<a href="#id_scheduled_start">Start: A meeting cannot start in the past' in html
    assert not Meeting.objects.exists()


def test_a_required_field_is_named_in_the_summary(client, people):
    client.force_login(people["fac"])
    url = reverse("realtime:new", kwargs={"org": "acme"}) + "?circle=" + people["circle"].slug
    response = client.post(url, {"title": "", "scheduled_start": "", "facilitator": ""})
    html = response.content.decode()
    assert '<a href="#id_title">Title: This field is required.</a>' in html
