"""Real definitions: a circle's domains and a role's purpose, domains and
accountabilities as lists; a circle's set-up setting.

The old texts are kept as lists: a circle's ``domain`` and a role's
``description`` become one item per non-empty line (``split_lines``).
"""

from django.db import migrations, models

from circles.definitions import split_lines


def forwards(apps, schema_editor):
    Circle = apps.get_model("circles", "Circle")
    Role = apps.get_model("circles", "Role")
    for circle in Circle.objects.exclude(domain=""):
        circle.domains = split_lines(circle.domain)
        circle.save(update_fields=["domains"])
    for role in Role.objects.exclude(description=""):
        role.accountabilities = split_lines(role.description)
        role.save(update_fields=["accountabilities"])


def backwards(apps, schema_editor):
    Circle = apps.get_model("circles", "Circle")
    Role = apps.get_model("circles", "Role")
    for circle in Circle.objects.all():
        circle.domain = "\n".join(circle.domains or [])
        circle.save(update_fields=["domain"])
    for role in Role.objects.all():
        role.description = "\n".join(role.accountabilities or [])
        role.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0003_organization_data_licence"),
    ]

    operations = [
        migrations.AddField(
            model_name="circle",
            name="domains",
            field=models.JSONField(blank=True, default=list, verbose_name="domains"),
        ),
        migrations.AddField(
            model_name="circle",
            name="setup_done",
            field=models.BooleanField(
                default=False,
                help_text="Changes to the aim, domains and roles now go through a consent proposal.",
                verbose_name="set-up finished",
            ),
        ),
        migrations.AddField(
            model_name="role",
            name="purpose",
            field=models.TextField(blank=True, verbose_name="purpose"),
        ),
        migrations.AddField(
            model_name="role",
            name="domains",
            field=models.JSONField(blank=True, default=list, verbose_name="domains"),
        ),
        migrations.AddField(
            model_name="role",
            name="accountabilities",
            field=models.JSONField(blank=True, default=list, verbose_name="accountabilities"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="circle", name="domain"),
        migrations.RemoveField(model_name="role", name="description"),
    ]
