"""core.steps.parse_input: what a form's empty fields mean."""

from datetime import date

import pytest
from django.http import QueryDict
from ninja import Schema

from core.errors import Invalid
from core.steps import Step, parse_input


class ReviewIn(Schema):
    description: str | None = None
    reason: str = ""
    term_end: date | None = None
    months: int = 12
    qualifications: list[str] = []


STEP = Step(
    name="review", label="Review", sources=frozenset(), target=None, who=(), service="x.y",
    input=ReviewIn,
)  # fmt: skip


class TestParseInput:
    def test_an_empty_text_is_kept_so_it_can_clear_a_field(self):
        data = parse_input(STEP, QueryDict("description=&reason=because"))
        assert data["description"] == ""
        assert data["reason"] == "because"

    def test_an_absent_text_takes_the_default(self):
        assert parse_input(STEP, QueryDict("reason=r"))["description"] is None

    def test_an_empty_date_or_number_is_not_given(self):
        data = parse_input(STEP, QueryDict("term_end=&months="))
        assert data["term_end"] is None
        assert data["months"] == 12

    def test_a_list_comes_from_every_value(self):
        data = parse_input(STEP, QueryDict("qualifications=a&qualifications=&qualifications=b"))
        assert data["qualifications"] == ["a", "b"]

    def test_a_bad_value_names_its_field(self):
        with pytest.raises(Invalid) as caught:
            parse_input(STEP, QueryDict("months=twelve"))
        assert caught.value.field == "months"
