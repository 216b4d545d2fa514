"""Review reminders: one email to the facilitator and the secretary, once.
Term ends are not reminded from the log (the role assignment is their truth)."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from logbook.models import ReviewReminder

from .conftest import record


class TestReviewReminders:
    def test_running_twice_sends_one_email_each(self, org, circles, facilitator, bob):
        decision = record(
            org,
            kind="policy",
            circle=circles["garden"],
            title="Arrosage",
            review_date=timezone.localdate() + timedelta(days=14),
        )
        call_command("send_reminders", only=["reviews"])
        call_command("send_reminders", only=["reviews"])
        assert sorted(m.to[0] for m in mail.outbox) == sorted([facilitator.email, bob.email])
        assert "Arrosage" in mail.outbox[0].subject
        assert f"/o/acme/log/{decision.sequence}/" in mail.outbox[0].body
        assert ReviewReminder.objects.filter(decision=decision, kind="review").count() == 1

    def test_a_term_end_in_the_log_is_not_reminded_from_the_log(self, org, circles, facilitator):
        record(
            org,
            kind="selection",
            circle=circles["garden"],
            title="Mandat",
            term_end=timezone.localdate() + timedelta(days=3),
        )
        call_command("send_reminders", only=["reviews"])
        assert mail.outbox == []
        assert not ReviewReminder.objects.exists()

    def test_the_email_is_in_each_recipients_language(self, org, circles, facilitator, bob):
        bob.language = "fr"
        bob.save(update_fields=["language"])
        day = timezone.localdate() + timedelta(days=3)
        record(org, kind="policy", circle=circles["garden"], title="Arrosage", review_date=day)
        call_command("send_reminders", only=["reviews"])
        (english,) = [m for m in mail.outbox if m.to == [facilitator.email]]
        (french,) = [m for m in mail.outbox if m.to == [bob.email]]
        assert english.subject.startswith("Review due on ")
        assert french.subject.startswith("Révision prévue le ")

    def test_nothing_is_sent_for_far_dates_past_dates_or_superseded_policies(
        self, org, circles, facilitator
    ):
        today = timezone.localdate()
        record(org, kind="policy", circle=circles["garden"], title="Loin",
               review_date=today + timedelta(days=15))  # fmt: skip
        record(org, kind="policy", circle=circles["garden"], title="Passé",
               review_date=today - timedelta(days=1))  # fmt: skip
        old = record(org, kind="policy", circle=circles["garden"], title="Ancien",
                     review_date=today + timedelta(days=5))  # fmt: skip
        record(org, kind="policy", circle=circles["garden"], title="Nouveau", supersedes=old)
        call_command("send_reminders", only=["reviews"])
        assert mail.outbox == []
        assert not ReviewReminder.objects.exists()
