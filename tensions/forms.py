"""Forms only render a step's fields; they parse nothing.

A step's input is its schema in ``tensions.steps`` (``core.steps.parse_input``,
the same as the API's body); every rule is the services'. A form is bound
only to show back what was posted, with the refusal at its field. Each
carries a hidden idempotency key (a double click does the step once).
"""

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from core.idempotency import new_key
from tensions.models import Tension
from tensions.steps import TAKE_OUTCOMES


class StepForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)

    def full_clean(self):
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def refuse(self, exc) -> None:
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class RaiseForm(StepForm):
    circle = forms.ChoiceField(
        label=_("Which circle?"),
        required=False,
        help_text=_("Not sure? Choose “I don't know which”: the general circle routes it."),
    )
    title = forms.CharField(label=_("In a few words"), max_length=200)
    what_is = forms.CharField(label=_("What is"), widget=forms.Textarea(attrs={"rows": 4}))
    what_should_be = forms.CharField(
        label=_("What should be"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    affected = forms.CharField(
        label=_("Who is affected"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, circles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].choices = [("", _("I don't know which"))] + [
            (c.slug, c.name) for c in circles
        ]


RELATIONS = {
    "parent": _("Parent circle: %(name)s"),
    "child": _("Sub-circle: %(name)s"),
    "sibling": _("Sibling circle: %(name)s (through %(via)s)"),
}


class ForwardForm(StepForm):
    to = forms.ChoiceField(label=_("Forward to"))
    reason = forms.CharField(
        label=_("Why it belongs there"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, routes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", _("Choose a circle"))] + [
            (
                r.circle.slug,
                RELATIONS[r.relation] % {"name": r.circle.name, "via": r.via.name if r.via else ""},
            )
            for r in routes
        ]


class TakeForm(StepForm):
    outcome = forms.ChoiceField(
        label=_("It becomes"),
        choices=[(o.value, o.label) for o in TAKE_OUTCOMES],
        widget=forms.RadioSelect,
        initial=Tension.Outcome.PROPOSAL,
    )
    title = forms.CharField(
        label=_("Proposal title"),
        required=False,
        help_text=_("Empty: the tension's own words."),
        max_length=200,
    )
    role = forms.ChoiceField(label=_("Role to select for"), required=False)

    def __init__(self, *args, roles=(), outcomes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            # What this person may take it as (``steps.take_outcomes``).
            self.fields["outcome"].choices = list(outcomes)
        if not any(
            value == Tension.Outcome.SELECTION for value, _label in self.fields["outcome"].choices
        ):
            del self.fields["role"]
            return
        self.fields["role"].choices = [("", _("Choose a role"))] + [
            (str(r.pk), r.name) for r in roles
        ]


class AnswerForm(StepForm):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


FORMS = {"forward": ForwardForm, "take": TakeForm, "answer": AnswerForm}
