"""One reminder loop: a term ending, a policy review due and a consent deadline
near, each reminded once by ``send_reminders``, to each recipient in their own
language, with absolute links."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from circles import services as circle_services
from circles.models import Role
from core import reminders
from decisions.services import record_decision
from elections.models import TermReminder
from logbook.models import ReviewReminder
from proposals import services
from proposals.models import ConsentReminder, Proposal
from tests.proposals.conftest import build_team

SITE = "http://testserver"


@pytest.fixture
def due(db, make_user):
    """The team (fay facilitates, ana is its secretary and reads French) with
    one of each due thing: bo's term as treasurer ends in 10 days, a policy's
    review is a week away, and a proposal is open for consent for 3 days."""
    team = build_team(make_user)
    fay, (ana, bo, cy) = team.facilitator, team.members
    ana.language = "fr"
    ana.save(update_fields=["language"])
    today = timezone.localdate()
    circle_services.assign_role(
        role=Role.objects.get(circle=team.circle, kind=Role.Kind.SECRETARY), user=ana, by=team.admin
    )
    treasurer = circle_services.create_role(circle=team.circle, name="Treasurer", by=team.admin)
    # assign_role also writes an appointment with this term end to the log:
    # the log used to remind it a second time.
    assignment = circle_services.assign_role(
        role=treasurer, user=bo, by=team.admin,
        term_start=today - timedelta(days=355), term_end=today + timedelta(days=10),
    )  # fmt: skip
    with transaction.atomic():
        policy = record_decision(
            organization=team.organization, kind="policy", circle=team.circle,
            title="Quiet hours", body="After 22:00.", review_date=today + timedelta(days=7),
        )  # fmt: skip
    proposal = services.create_proposal(circle=team.circle, by=cy, title="Garden", body="Dig.")
    services.present(proposal=proposal, by=fay)
    services.open_async_consent(
        proposal=proposal, by=fay, deadline=timezone.now() + timedelta(days=3)
    )
    return team, assignment, policy, proposal


def _to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.CERCLE_SITE_URL = SITE


class TestOneLoop:
    def test_each_due_thing_is_reminded_once_by_one_run(self, due):
        team, assignment, policy, proposal = due
        everyone = len(team.participants)
        call_command("send_reminders")
        # Term: bo, fay and ana; review: fay and ana; consent: everyone of the circle.
        assert len(mail.outbox) == 3 + 2 + everyone
        assert TermReminder.objects.get().assignment == assignment
        assert ReviewReminder.objects.get().decision == policy
        assert ConsentReminder.objects.filter(proposal=proposal).count() == everyone
        assert Proposal.objects.get(pk=proposal.pk).reminded is not None

        call_command("send_reminders")
        assert len(mail.outbox) == 3 + 2 + everyone
        assert TermReminder.objects.count() == ReviewReminder.objects.count() == 1
        assert ConsentReminder.objects.count() == everyone

    def test_a_term_end_is_reminded_once_though_the_log_has_it_too(self, due):
        team, assignment, *_ = due
        assert team.organization.decisions.filter(term_end=assignment.term_end).exists()
        call_command("send_reminders")
        fay, bo = team.facilitator, team.members[1]
        for user in (bo, fay):
            terms = [m for m in _to(user) if "Treasurer" in m.subject]
            assert len(terms) == 1, [m.subject for m in _to(user)]
        assert not ReviewReminder.objects.filter(kind=ReviewReminder.Kind.TERM_END).exists()

    def test_each_recipient_reads_their_own_language(self, due):
        team, assignment, policy, _proposal = due
        fay, (ana, *_) = team.facilitator, team.members
        call_command("send_reminders")
        english = sorted(m.subject for m in _to(fay))
        french = sorted(m.subject for m in _to(ana))
        assert english == [
            f"Review due on {_en(policy.review_date)}: Quiet hours",
            f"The term of Treasurer in Ops ends on {_en(assignment.term_end)}",
            "Your consent is asked: Garden",
        ]
        assert len(french) == 3
        assert "Votre consentement est demandé : Garden" in french
        assert any(
            s.startswith("Le mandat au rôle « Treasurer » du cercle Ops se termine le")
            for s in french
        )
        assert any(s.startswith("Révision prévue le") for s in french)
        consent = next(m for m in _to(ana) if "Garden" in m.subject)
        assert "Le cercle Ops demande votre consentement" in consent.body

    def test_every_link_is_absolute(self, due):
        call_command("send_reminders")
        for message in mail.outbox:
            links = re.findall(r"\S*/o/\S*", message.body)
            assert links, message.body
            for link in links:
                assert link.startswith(SITE + "/o/"), (link, message.subject)

    def test_a_failed_send_records_nothing_and_the_next_run_retries(self, due, monkeypatch):
        calls = {"n": 0}
        real = reminders.send_mail

        def flaky(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 1:
                raise OSError("SMTP is down")
            return real(*args, **kwargs)

        monkeypatch.setattr(reminders, "send_mail", flaky)
        team = due[0]
        outcome = reminders.send_due()
        assert len(outcome.failed) == 1
        # consent for everyone, review, term; one failed
        assert outcome.reminders == len(team.participants) + 1 + 1 - 1
        again = reminders.send_due()
        assert (again.reminders, again.failed) == (1, [])
        assert reminders.send_due().reminders == 0

    def test_the_old_command_names_still_send_their_own_reminders(self, due):
        call_command("send_review_reminders")
        assert len(mail.outbox) == 2
        call_command("send_term_reminders")
        call_command("send_consent_reminders")
        everyone = len(due[0].participants)
        assert len(mail.outbox) == 3 + 2 + everyone
        call_command("send_reminders")
        assert len(mail.outbox) == 3 + 2 + everyone


def _en(day):
    from django.utils import formats
    from django.utils.translation import override

    with override("en"):
        return formats.date_format(day, "DATE_FORMAT")
