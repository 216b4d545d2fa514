from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decision log")

    def ready(self):
        from core import portable
        from decisions.portable import LogPart

        portable.register(LogPart())
