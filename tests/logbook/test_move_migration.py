"""The reading side's models moved from ``decisions`` to ``logbook`` in Django's
state only: an existing database, with decisions, private feed links, the
person index and reminders written before the move, keeps every row across it
and its chain still verifies."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from circles.models import Organization
from decisions.services import record_decision

MOVE = ("decisions", "0006_reading_side_to_logbook")
MOVED = ["DecisionPerson", "PersonIndexState", "FeedToken", "ReviewReminder"]


def _before_the_move(executor) -> list[tuple[str, str | None]]:
    """The decisions migration just before the move, and no logbook migration."""
    parents = executor.loader.graph.node_map[MOVE].parents
    return [*(p.key for p in parents if p.key[0] == "decisions"), ("logbook", None)]


def _migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_keeps_its_rows_across_the_move(make_user, capsys):
    alice = make_user("alice")
    content_types = {
        name: ContentType.objects.get(app_label="logbook", model=name.lower()).pk for name in MOVED
    }
    executor = MigrationExecutor(connection)
    before = _before_the_move(executor)
    try:
        executor.migrate(before)
        old = executor.loader.project_state([key for key in before if key[1]]).apps
        # Before the move the four models are decisions' and logbook has none.
        with pytest.raises(LookupError):
            old.get_model("logbook", "FeedToken")
        assert ContentType.objects.filter(app_label="decisions", model="feedtoken").exists()

        org = Organization.objects.create(name="Coop Breizh", slug="coop", language="fr")
        with transaction.atomic():
            policy = record_decision(
                organization=org,
                kind="policy",
                title="Règlement intérieur",
                body="Les réunions commencent à l'heure.",
                review_date=timezone.localdate() + timedelta(days=10),
                record={"action": "policy_adopted", "by": {"id": alice.pk, "name": "Alice"}},
            )
            record_decision(organization=org, kind="minutes", title="Compte rendu")
        now = timezone.now()
        old.get_model("decisions", "FeedToken").objects.create(
            organization_id=org.pk, user_id=alice.pk, token_hash="f" * 64, created=now
        )
        old.get_model("decisions", "DecisionPerson").objects.create(
            decision_id=policy.pk, organization_id=org.pk, user_id=alice.pk, role="author"
        )
        old.get_model("decisions", "PersonIndexState").objects.create(
            organization_id=org.pk, sequence=2
        )
        old.get_model("decisions", "ReviewReminder").objects.create(
            decision_id=policy.pk, kind="review", sent=now, recipients=[alice.pk]
        )
    finally:
        _migrate_to_the_end()

    from logbook.models import DecisionPerson, FeedToken, PersonIndexState, ReviewReminder

    token = FeedToken.objects.get()
    assert (token.organization_id, token.user_id, token.token_hash) == (org.pk, alice.pk, "f" * 64)
    assert DecisionPerson.objects.get().decision_id == policy.pk
    assert PersonIndexState.objects.get(organization=org).sequence == 2
    reminder = ReviewReminder.objects.get()
    assert (reminder.decision_id, reminder.recipients) == (policy.pk, [alice.pk])
    assert list(policy.people.values_list("role", flat=True)) == ["author"]
    # The content types followed the models (so did their permissions).
    for name, pk in content_types.items():
        assert ContentType.objects.get(app_label="logbook", model=name.lower()).pk == pk
    assert not ContentType.objects.filter(app_label="decisions", model="feedtoken").exists()

    call_command("verify_decisions", "--org", "coop")
    assert "coop: OK, 2 entries" in capsys.readouterr().out
