from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from core import jobs

        # Hourly: a reminder is due as soon as its day comes; each is sent once.
        jobs.periodic("reminders", period="hourly", job_path="core.tasks.send_reminders")
