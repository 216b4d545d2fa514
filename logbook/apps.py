from django.apps import AppConfig


class LogbookConfig(AppConfig):
    """The reading side of the decision log: pages, API, search, exports,
    feeds, corrections, private feed links, the person index, reminders."""

    name = "logbook"
