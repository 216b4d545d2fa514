"""Adopting a policy of the shared personas' Ops in a few lines (the consent
process itself is tested in tests/proposals): used by the policy book and the
double-link ledger tests."""

from datetime import timedelta

from django.utils import timezone

from circles import selectors as circle_selectors
from proposals import services


def give_domains(circle, *domains):
    """The circle's domains (``circles.selectors.domains_of`` reads them)."""
    circle.domains = list(domains)
    circle.save(update_fields=["domains"])
    return circle


def adopt(world, circle, *, title="Local flour", body="We buy flour within 20 km.", **fields):
    """A proposal of ``circle`` adopted by everyone's consent; its decision."""
    people = {u.pk: u for u in world.everyone}
    author = next(people[i] for i in circle_selectors.seat_order(circle))
    facilitator = world.facilitator if circle == world.ops else world.admin
    p = services.create_proposal(circle=circle, by=author, title=title, body=body, **fields)
    services.present(proposal=p, by=facilitator)
    services.open_async_consent(
        proposal=p, by=facilitator, deadline=timezone.now() + timedelta(days=1)
    )
    for uid in circle_selectors.seat_order(circle):
        services.answer(proposal=p, by=people[uid], kind="consent")
    p.refresh_from_db()
    assert p.state == "adopted", p.state
    return p.decision
