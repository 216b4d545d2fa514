from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = _("Circles")

    def ready(self):
        from circles import portable
        from circles.agenda import due_items
        from core import agenda

        # Relays waiting for a circle are proposed for its next meeting.
        agenda.register("circles", due_items)
        # Its part of an organization's whole export (core.portable).
        portable.register()
