from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.fastpath import forget_user

        def forget(sender, instance, **kwargs):
            forget_user(instance.pk)

        # A saved or deleted user is read again from the database by the next
        # request of every process sharing the cache (core.fastpath).
        post_save.connect(forget, sender=self.get_model("User"), weak=False)
        post_delete.connect(forget, sender=self.get_model("User"), weak=False)
