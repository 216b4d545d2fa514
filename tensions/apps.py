from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TensionsConfig(AppConfig):
    name = "tensions"
    verbose_name = _("Tensions")

    def ready(self):
        from tensions import portable as tensions_portable

        tensions_portable.register()
        from core import agenda, jobs
        from tensions.agenda import due_items

        # The open backlog is proposed for the circle's next meeting.
        agenda.register("tensions", due_items)

        # A tension nobody routed in time goes up by itself (tensions.tasks).
        jobs.periodic("tensions-escalate", period="hourly", job_path="tensions.tasks.escalate")
