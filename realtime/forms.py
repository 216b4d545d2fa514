from django import forms
from django.utils.translation import gettext_lazy as _

from realtime.models import AgendaItem


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scheduled_start = forms.DateTimeField(
        label=_("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    facilitator = forms.TypedChoiceField(label=_("Facilitator"), coerce=int)
    secretary = forms.TypedChoiceField(
        label=_("Secretary"), coerce=int, required=False, empty_value=None
    )
    template = forms.ChoiceField(
        label=_("Template"),
        required=False,
        help_text=_("The items the agenda starts with; the items you add go between."),
    )

    def __init__(self, *args, members=(), templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(m.pk, m.name) for m in members]
        self.fields["facilitator"].choices = choices
        self.fields["secretary"].choices = [("", "—"), *choices]
        self.fields["template"].choices = list(templates)

    def clean_template(self):
        # Left out (an older form, a script): the built-in frame, the page's default.
        return self.cleaned_data.get("template") or "frame"


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgendaItem.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    subject = forms.TypedChoiceField(
        label=_("Proposal or selection"), coerce=str, required=False, empty_value=""
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "—"), *subjects]


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Secretary's notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class TimerForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=180)


class RescheduleForm(forms.Form):
    scheduled_start = forms.DateTimeField(
        label=_("New start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Yes, cancel this meeting: its members are told, its agenda's proposals and "
            "selections stay as they are."
        ),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
