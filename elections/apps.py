from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"

    def ready(self):
        from core import reminders
        from elections.reminders import due_terms

        reminders.register("terms", due_terms)
