from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self):
        from core import reminders
        from proposals.reminders import due_consents

        reminders.register("consent", due_consents)
