from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Meetings")

    def ready(self):
        from realtime import portable as realtime_portable

        realtime_portable.register()
        from core import agenda, calendar, participation, push
        from core.events import subject_changed, subject_changing
        from realtime.agenda import due_items
        from realtime.broadcast import UserPusher, on_subject_changed, on_subject_changing
        from realtime.invitations import calendar_events
        from realtime.selectors import session_of

        subject_changing.connect(on_subject_changing, dispatch_uid="realtime.versions")
        subject_changed.connect(on_subject_changed, dispatch_uid="realtime.broadcast")
        participation.register(session_of)
        agenda.register("realtime", due_items)
        calendar.register("meetings", calendar_events)
        push.register(UserPusher())
