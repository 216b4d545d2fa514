"""One reminder per assignment whose term ends within 60 days."""

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
        call_command("send_term_reminders")
        reminder = TermReminder.objects.get()
        assert reminder.assignment == assignment
        sent = [m for m in mail.outbox if "Treasurer" in m.subject]
        assert len(sent) == 1
        assert set(sent[0].to) == {world.cy.email, world.fay.email}
        call_command("send_term_reminders")
        assert len([m for m in mail.outbox if "Treasurer" in m.subject]) == 1
        assert (
            TermReminder.objects.count()
            == TermReminder.objects.filter(
                assignment__term_end__lte=today + timedelta(days=60)
            ).count()
        )
