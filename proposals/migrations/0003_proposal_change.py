from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0002_process"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="change",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
    ]
