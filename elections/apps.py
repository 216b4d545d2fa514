from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"

    def ready(self):
        from elections import portable as elections_portable

        elections_portable.register()
        from core import agenda, reminders
        from elections.agenda import due_items
        from elections.reminders import due_terms

        reminders.register("terms", due_terms)
        agenda.register("elections", due_items)
