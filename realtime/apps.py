from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Meetings")

    def ready(self):
        from django.db.models.signals import post_save

        from circles.models import Membership, OrganizationMember
        from core import participation
        from core.events import subject_changed
        from realtime.broadcast import on_membership_saved, on_subject_changed
        from realtime.selectors import session_of

        subject_changed.connect(on_subject_changed, dispatch_uid="realtime.broadcast")
        # Transport only (no rule): a member who left loses their open sockets.
        for model in (Membership, OrganizationMember):
            post_save.connect(
                on_membership_saved, sender=model, dispatch_uid=f"realtime.left.{model.__name__}"
            )
        participation.register(session_of)
