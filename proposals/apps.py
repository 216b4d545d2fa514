from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self):
        from core import agenda, reminders
        from proposals.agenda import due_items
        from proposals.reminders import due_consents

        reminders.register("consent", due_consents)
        agenda.register("proposals", due_items)
