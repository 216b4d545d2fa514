"""The webhook form of the organization's settings (the services check it all
again: the form only renders the fields and their first check)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.kinds import KINDS
from notifications.models import WebhookEndpoint


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The incoming webhook address of your chat tool or your own receiver."),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=WebhookEndpoint.Format.choices, initial="json"
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events sent"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(name, kind.label) for name, kind in KINDS.items()]
