"""The org chart says a double link is complete only once the parent circle
accepted the delegate the child circle selected (issue 17, item 11)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def linked(story):
    """Under Ops: a Seeds circle with a leader (Ana) and a delegate (Bo),
    the delegate not yet accepted by the parent."""
    from circles import services
    from circles.models import Role

    people = story["people"]
    admin = story["admin"]
    seeds = services.create_circle(parent=story["circle"], name="Seeds", by=admin)
    services.assign_role(
        role=Role.objects.get(circle=seeds, kind=Role.Kind.LEADER), user=people["ana"], by=admin
    )
    services.add_member(circle=seeds, user=people["bo"], by=admin)
    delegate = services.assign_role(
        role=Role.objects.get(circle=seeds, kind=Role.Kind.DELEGATE), user=people["bo"], by=admin
    )
    return {**story, "admin": admin, "delegate": delegate, "seeds": seeds}


def _accept(assignment, by):
    from circles import services

    services.accept_delegate(assignment=assignment, by=by)


class TestTheChart:
    def test_complete_only_after_the_parent_accepted(self, linked, password, new_page, log_in, orm):
        page = new_page(viewport={"width": 1280, "height": 900})
        log_in(page, "fay@example.org", password)
        chart = f"/o/{linked['org'].slug}/chart/"
        page.goto(chart)
        badge = page.locator(".chart-text a:text-is('Seeds') + .health-badge")
        expect(badge).to_have_attribute("data-health", "awaiting_acceptance")
        expect(badge).to_contain_text("The parent has not accepted the delegate yet")
        orm(_accept, linked["delegate"], linked["admin"])
        page.goto(chart)
        expect(badge).to_have_attribute("data-health", "complete")
        assert page.console_errors == [], page.console_errors
