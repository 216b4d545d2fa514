from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self):
        from proposals import portable as proposals_portable

        proposals_portable.register()
        from core import agenda, proposing, reminders
        from proposals.agenda import due_items
        from proposals.reminders import due_consents
        from proposals.services import create_proposal

        reminders.register("consent", due_consents)
        agenda.register("proposals", due_items)
        proposing.register(create_proposal)
