from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import portable as notifications_portable

        notifications_portable.register()
        from django.conf import settings

        from core import jobs, notify
        from notifications import tasks

        notify.register(tasks.HANDLER)
        hour = settings.DIGEST_HOUR
        jobs.periodic(
            "digest-daily",
            period="daily",
            at_hour=hour,
            job_path="notifications.tasks.daily_digests",
        )
        jobs.periodic(
            "digest-weekly",
            period="weekly",
            at_hour=hour,
            job_path="notifications.tasks.weekly_digests",
        )
