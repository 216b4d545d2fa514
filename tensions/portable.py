"""The tensions' part of an organization's export (``core.portable``):
every tension with its route and what it became, and its events."""

from core import portable
from core.portable import Table
from tensions.models import Tension, TensionEvent


def register() -> None:
    portable.register(
        Table(
            "tensions.tension",
            Tension,
            rows=portable.rows_of(Tension, "organization"),
            order=70,
        )
    )
    portable.register(
        Table(
            "tensions.tensionevent",
            TensionEvent,
            rows=portable.rows_of(TensionEvent, "tension__organization"),
            order=71,
        )
    )
