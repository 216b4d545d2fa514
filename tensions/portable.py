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
            rows=lambda org: Tension.objects.filter(organization=org).order_by("pk"),
            order=70,
        )
    )
    portable.register(
        Table(
            "tensions.tensionevent",
            TensionEvent,
            rows=lambda org: TensionEvent.objects.filter(tension__organization=org).order_by("pk"),
            order=71,
        )
    )
