from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import available_time_zones
from core import recipients


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address, like name@example.org."),
        },
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    error_messages = {
        # The same message whether or not the address exists.
        "invalid_login": _("Wrong email address or password."),
        "inactive": _("This account is inactive."),
    }


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(available_time_zones())]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        required=False,  # not sent: it stays as it is
        help_text=_("Dates and times are shown in it, on the pages and in your emails."),
    )

    @staticmethod
    def initial_for(user) -> dict:
        return {
            "display_name": user.display_name,
            "language": user.language,
            "time_zone": user.time_zone,
        }


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What the token is for, for example “minutes script”."),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, writing each email in its recipient's language and time
    zone (``core.recipients``): whoever asks is a visitor, not yet known."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with recipients.writing_to(context["user"]):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
