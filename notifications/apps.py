from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import portable as notifications_portable

        notifications_portable.register()
        from core import jobs, notify
        from notifications import tasks

        notify.register(tasks.HANDLER)
        # Hourly: each run sends the digests of the people whose morning it is
        # (DIGEST_HOUR in their own time zone), once per local day or week.
        jobs.periodic("digest-daily", period="hourly", job_path="notifications.tasks.daily_digests")
        jobs.periodic(
            "digest-weekly", period="hourly", job_path="notifications.tasks.weekly_digests"
        )
