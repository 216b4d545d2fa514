"""The reading side's models, moved from ``decisions`` (its migration 0006).

State only: the tables exist since ``decisions`` 0003 and keep their names
(``db_table``), so an existing database keeps every row and a new one gets
the tables from ``decisions`` 0003 as before. The content types of the four
models are relabelled, so their permissions follow them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["decisionperson", "personindexstate", "feedtoken", "reviewreminder"]


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.db_manager(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "decisions", "logbook")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "logbook", "decisions")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("circles", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("decisions", "0006_reading_side_to_logbook"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FeedToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created", models.DateTimeField()),
                        ("revoked", models.DateTimeField(blank=True, null=True)),
                        ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="feed_tokens", to="circles.organization")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="feed_tokens", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "decisions_feedtoken",
                        "ordering": ["-created"],
                    },
                ),
                migrations.CreateModel(
                    name="PersonIndexState",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sequence", models.PositiveBigIntegerField(default=0)),
                        ("organization", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="person_index", to="circles.organization")),
                    ],
                    options={
                        "db_table": "decisions_personindexstate",
                    },
                ),
                migrations.CreateModel(
                    name="DecisionPerson",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("user_id", models.BigIntegerField()),
                        ("role", models.CharField(choices=[("participant", "took part"), ("objector", "objected"), ("selected", "was selected"), ("author", "acted or proposed")], max_length=16)),
                        ("decision", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="people", to="decisions.decision")),
                        ("organization", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="circles.organization")),
                    ],
                    options={
                        "db_table": "decisions_decisionperson",
                        "indexes": [models.Index(fields=["organization", "user_id", "role"], name="decision_person_lookup")],
                        "constraints": [models.UniqueConstraint(fields=("decision", "user_id", "role"), name="one_person_role_per_decision")],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewReminder",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("review", "review date"), ("term_end", "term end")], max_length=16)),
                        ("sent", models.DateTimeField()),
                        ("recipients", models.JSONField(default=list)),
                        ("decision", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders", to="decisions.decision")),
                    ],
                    options={
                        "db_table": "decisions_reviewreminder",
                        "constraints": [models.UniqueConstraint(fields=("decision", "kind"), name="one_reminder_per_kind")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
