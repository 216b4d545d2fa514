"""Forms only render a step's fields (labels, widgets, the people to choose).

They parse nothing: a step's input is its schema in ``elections.steps``
(``core.steps.parse_input``, the same as the API's body), and every rule is
checked by ``elections.services``. A form is bound only to show back what
was posted with the refusal. Every action form carries a hidden idempotency
key, so a double click or a retried submission does the step once.
"""

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from core.idempotency import new_key
from elections import selectors
from elections.steps import STEPS
from proposals.models import Response, Round


class PersonField(forms.ChoiceField):
    """A person by id. The select offers the circle's members; the service
    decides whether the person chosen may be named (clear message if not)."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


def _people(users):
    return [("", _("Choose a person"))] + [(str(u.pk), u.name) for u in users]


class ActionForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, people=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, PersonField):
                field.choices = _people(people)

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        """What the form shows first on ``election`` for ``user`` (``data``:
        the selection as read for the page, ``selectors.process``, if any)."""
        return {}

    def full_clean(self):
        # The step's schema parses (one definition, shared with the API); the
        # view adds the refusal with ``add_error``.
        self._errors = ErrorDict()
        self.cleaned_data = {}


class OpenElectionForm(ActionForm):
    role = forms.ChoiceField(label=_("Role"))
    term_start = forms.DateField(
        label=_("Term start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(
        label=_("Term end"),
        required=False,
        help_text=_("Empty: the role's default term (usually one year)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(str(r.pk), f"{r.name} — {r.circle.name}") for r in roles]


class TermForm(ActionForm):
    term_start = forms.DateField(
        label=_("Term start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(label=_("Term end"), widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        return {"term_start": election.term_start, "term_end": election.term_end}


class ReviewRoleForm(ActionForm):
    accountabilities = forms.CharField(
        label=_("Accountabilities"),
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    default_term_months = forms.IntegerField(
        label=_("Default term (months)"), min_value=1, max_value=60
    )
    term_start = forms.DateField(
        label=_("Term start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(label=_("Term end"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Why this change"),
        help_text=_("The circle consents to it in a round before it is applied."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Round"),
        choices=[
            (Round.Mode.REVEAL, _("Reveal: answers hidden until the round closes")),
            (Round.Mode.IN_TURN, _("In turn: one after the other")),
        ],
        initial=Round.Mode.REVEAL,
    )

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        role = election.role
        return {
            "accountabilities": "\n".join(role.accountabilities),
            "qualifications": "\n".join(role.qualifications),
            "default_term_months": role.default_term_months,
            "term_start": election.term_start,
            "term_end": election.term_end,
        }


class NominateForm(ActionForm):
    nominee = PersonField(label=_("I nominate"))
    reason = forms.CharField(
        label=_("Because"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ChangeForm(ActionForm):
    nominee = PersonField(label=_("My nomination now"))
    reason = forms.CharField(
        label=_("Reason for a change"),
        help_text=_("Needed only if you change your nomination."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        if data is not None:
            mine = data.mine(user, 1)
        else:
            mine = selectors.my_nomination(election, user, 1)
        return {"nominee": mine.nominee_id if mine else None}


class ProposeForm(ActionForm):
    nominee = PersonField(label=_("Nominee"))
    term_end = forms.DateField(label=_("Term end"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        return {
            "term_end": election.proposed_term_end or election.term_end,
            "nominee": election.proposed_nominee_id,
        }


class AnswerForm(ActionForm):
    # The fields of ``SelectionAnswerIn``: the same answer as a proposal's round.
    kind = forms.ChoiceField(
        label=_("My position"),
        widget=forms.RadioSelect,
        choices=[
            (Response.Kind.CONSENT, _("Consent: I can live with it")),
            (Response.Kind.OBJECT, _("Objection: it harms our aim, because…")),
        ],
    )
    text = forms.CharField(
        label=_("Reason (required for an objection)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    concern = forms.CharField(
        label=_("Concern (optional, with a consent)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ParentResponseForm(ActionForm):
    accepted = forms.TypedChoiceField(
        label=_("The parent circle"),
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        choices=[("yes", _("accepts this delegate")), ("no", _("objects"))],
    )
    reason = forms.CharField(
        label=_("Reason (required for an objection)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class _ForMember(ActionForm):
    """Recording for a member present without a device: whose act it is, then
    the fields of the member's own form. ``step_forms`` offers only the
    members who may still act (``selectors.yet_to_act``)."""

    member = PersonField(label=_("For"))

    field_order = ["member"]


class NominateForForm(_ForMember, NominateForm):
    field_order = ["member", "nominee", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].label = _("Nominates")


class ChangeForForm(_ForMember, ChangeForm):
    field_order = ["member", "nominee", "reason"]

    @classmethod
    def initial_for(cls, election, user, data=None) -> dict:
        return {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].label = _("Their nomination now")
        self.fields["reason"].help_text = _("Needed only if they change their nomination.")


class AnswerForForm(_ForMember, AnswerForm):
    field_order = ["member", "kind", "text", "concern"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = _("Their position")


def form_class(step) -> type[ActionForm]:
    """The form a step of the page reads (named in the step table's ``extra``)."""
    from importlib import import_module

    module, _sep, name = step.extra["form"].rpartition(".")
    return getattr(import_module(module), name)


def step_forms(election, user, failed=None, data=None) -> dict:
    """A fresh form (new idempotency key) per step the viewer may take; the
    failed one, bound with its errors, in its place. The page, its htmx
    answers and the meeting room's viewer part (``elections.room``) use it.
    ``data``: the selection as read for the page (``selectors.process``)."""
    people = data.people if data is not None else selectors.participants_for(election)
    result = {}
    for name in STEPS.allowed(election, user):
        cls = form_class(STEPS[name])
        result[name] = cls(people=people, initial=cls.initial_for(election, user, data))
    if failed is not None:
        result[failed[0]] = failed[1]
    for name, form in result.items():
        form.step, form.label, form.url = name, STEPS[name].label, STEPS[name].url
        own = STEPS[name].extra.get("for")
        if own is not None:
            yet = data.yet_to_act(own) if data is not None else selectors.yet_to_act(election, own)
            form.fields["member"].choices = _people(yet)
    return result
