"""A scheduled meeting of the demo collective, with an agenda in the
sociocratic frame (opening round, consent to the agenda, the items, closing
round; the demo is French, so the frame's titles are)."""

from datetime import timedelta

from django.utils import timezone, translation

from core import demo
from realtime import services
from realtime.models import Meeting

# (circle slug, title, facilitator, secretary, a report to open with)
MEETINGS = [
    ("breizh-coop", "Réunion mensuelle du cercle général", "yann", "nolwenn", None),
    ("approvisionnement", "Réunion du cercle Approvisionnement", "gwen", "soazig", "Tournées"),
]


def seed(ctx: dict) -> None:
    for slug, title, facilitator, secretary, report in MEETINGS:
        _meeting(ctx, slug, title, facilitator, secretary, report)


def _meeting(ctx, slug, title, facilitator_key, secretary_key, report) -> None:
    circle = ctx.get("circles", {}).get(slug)
    people = ctx.get("people", {})
    if circle is None or Meeting.objects.filter(circle=circle, title=title).exists():
        return
    facilitator = people[facilitator_key]
    with translation.override("fr"):
        meeting = services.schedule_meeting(
            circle=circle,
            title=title,
            scheduled_start=timezone.now().replace(minute=0, second=0, microsecond=0)
            + timedelta(days=1, hours=2),
            facilitator=facilitator,
            secretary=people[secretary_key],
            by=facilitator,
            template="frame",
        )
    if report:
        services.add_item(meeting=meeting, kind="report", title=report, by=facilitator)
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
