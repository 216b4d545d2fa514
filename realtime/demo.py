"""A scheduled meeting of the demo collective, with an agenda."""

from datetime import timedelta

from django.utils import timezone

from core import demo
from realtime import services
from realtime.models import Meeting

TITLE = "Réunion mensuelle du cercle Alimentation"


def seed(ctx: dict) -> None:
    circle = ctx.get("circles", {}).get("alimentation")
    people = ctx.get("people", {})
    if circle is None or Meeting.objects.filter(circle=circle, title=TITLE).exists():
        return
    facilitator = people["soazig"]
    meeting = services.schedule_meeting(
        circle=circle,
        title=TITLE,
        scheduled_start=timezone.now().replace(minute=0, second=0, microsecond=0)
        + timedelta(days=1, hours=2),
        facilitator=facilitator,
        secretary=people["gwen"],
        by=facilitator,
    )
    services.add_item(
        meeting=meeting, kind="report", title="Nouvelles des épiceries", by=facilitator
    )
    from elections.models import Election
    from proposals.models import Proposal

    for proposal in Proposal.objects.filter(circle=circle).exclude(
        state__in=["adopted", "withdrawn", "deferred"]
    ):
        services.add_item(meeting=meeting, kind="proposal", proposal=proposal, by=facilitator)
    for election in Election.objects.filter(circle=circle).exclude(
        state__in=["elected", "cancelled"]
    ):
        services.add_item(meeting=meeting, kind="election", election=election, by=facilitator)
    ctx["created"] = True


demo.register(40, seed)
