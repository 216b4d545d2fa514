"""Term ends: one reminder per assignment whose term ends within 60 days, to
the holder and the circle's facilitator (and secretary), one email each."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from circles import services as circle_services
from elections.models import TermReminder


class TestTermReminders:
    def test_it_reminds_the_holder_and_the_facilitator_once(self, world):
        today = timezone.localdate()
        role = circle_services.create_role(circle=world.team, name="Treasurer", by=world.admin)
        assignment = circle_services.assign_role(
            role=role, user=world.cy, by=world.admin,
            term_start=today - timedelta(days=300), term_end=today + timedelta(days=30),
        )  # fmt: skip
        call_command("send_reminders", only=["terms"])
        reminder = TermReminder.objects.get(assignment=assignment)
        assert reminder.recipients == [world.cy.pk, world.fay.pk]
        sent = [m for m in mail.outbox if "Treasurer" in m.subject]
        assert sorted(m.to[0] for m in sent) == sorted([world.cy.email, world.fay.email])
        call_command("send_reminders")
        assert len([m for m in mail.outbox if "Treasurer" in m.subject]) == 2
        assert (
            TermReminder.objects.count()
            == TermReminder.objects.filter(
                assignment__term_end__lte=today + timedelta(days=60)
            ).count()
        )

    def test_an_ended_assignment_is_not_reminded(self, world):
        today = timezone.localdate()
        role = circle_services.create_role(circle=world.team, name="Treasurer", by=world.admin)
        assignment = circle_services.assign_role(
            role=role, user=world.cy, by=world.admin,
            term_start=today - timedelta(days=300), term_end=today + timedelta(days=30),
        )  # fmt: skip
        circle_services.end_assignment(assignment=assignment, by=world.admin, reason="Moved away.")
        call_command("send_reminders", only=["terms"])
        assert not [m for m in mail.outbox if "Treasurer" in m.subject]
        assert not TermReminder.objects.filter(assignment=assignment).exists()
