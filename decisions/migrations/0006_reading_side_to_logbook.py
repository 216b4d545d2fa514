"""The reading side's models move to the ``logbook`` app, in Django's state only.

Their tables stay as they are (``decisions_decisionperson``,
``decisions_personindexstate``, ``decisions_feedtoken``,
``decisions_reviewreminder``): ``logbook``'s 0001 declares the same models on
the same tables. Nothing is dropped, copied or renamed in the database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("decisions", "0005_decided_at_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DecisionPerson"),
                migrations.DeleteModel(name="ReviewReminder"),
                migrations.DeleteModel(name="FeedToken"),
                migrations.DeleteModel(name="PersonIndexState"),
            ],
            database_operations=[],
        )
    ]
