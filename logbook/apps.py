from django.apps import AppConfig


class LogbookConfig(AppConfig):
    """The reading side of the decision log: pages, API, search, exports,
    feeds, corrections, private feed links, the person index, reminders."""

    name = "logbook"

    def ready(self):
        from logbook import portable as logbook_portable

        logbook_portable.register()
        from core import reminders
        from logbook.reminders import due_reviews

        reminders.register("reviews", due_reviews)
