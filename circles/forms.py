"""Forms only parse input; every rule is checked by ``circles.services``."""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from circles.models import DataLicence


def _people_choices(users) -> list[tuple[str, str]]:
    return [("", _("Choose a person"))] + [(str(u.pk), f"{u.name} ({u.email})") for u in users]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Used in addresses, e.g. /o/short-name/. Made from the name if empty."),
    )
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    public_log = forms.BooleanField(
        label=_("Public log: anyone can read and verify the decisions and the chart"),
        required=False,
    )
    template = forms.ChoiceField(
        label=_("Start from"),
        widget=forms.RadioSelect,
        initial="first_circle",
        required=False,  # not sent: a first circle
        help_text=_("You can add, rename and remove circles and roles afterwards."),
    )
    structure_file = forms.FileField(
        label=_("Structure file"),
        required=False,
        help_text=_(
            "With “the structure of another organization”: the file its administrators "
            "exported (Settings, “Export the structure”). Its circles and roles are "
            "copied; no person and no decision."
        ),
    )

    MAX_STRUCTURE_BYTES = 2 * 1024 * 1024

    def __init__(self, *args, **kwargs):
        from circles.blueprints import template_choices

        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()

    def clean(self):
        """The structure file read as JSON (the service checks its content)."""
        data = super().clean()
        data["template"] = data.get("template") or "first_circle"
        upload = data.pop("structure_file", None)
        data["structure"] = None
        if data.get("template") != "import":
            return data
        if upload is None:
            self.add_error("structure_file", _("Choose the structure file to start from."))
        elif upload.size > self.MAX_STRUCTURE_BYTES:
            self.add_error("structure_file", _("This file is too large (2 MB at most)."))
        else:
            try:
                data["structure"] = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.add_error("structure_file", _("This file is not a Cercle structure export."))
        return data


class MembersImportForm(forms.Form):
    text = forms.CharField(
        label=_("The list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One person per line: email, name, circles, language (only the email is "
            "needed; circles by short name or name, separated by |). A first line naming "
            "the columns is fine."
        ),
    )
    file = forms.FileField(label=_("Or a CSV file"), required=False)

    MAX_BYTES = 5 * 1024 * 1024

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                self.add_error("file", _("This file is too large (5 MB at most)."))
                return data
            raw = upload.read()
            for encoding in ("utf-8-sig", "cp1252"):
                try:
                    data["text"] = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
        if not (data.get("text") or "").strip():
            self.add_error("text", _("Paste the list or choose a CSV file."))
        return data


class DuplicateForm(forms.Form):
    name = forms.CharField(label=_("Name of the new circle"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Unique in the organization. Made from the name if empty."),
    )


class ChartDayForm(forms.Form):
    """The day the org chart shows: today, or a day of its history."""

    on = forms.DateField(
        label=_("As it was on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, created=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.created = created

    def clean_on(self):
        from django.utils import timezone

        day = self.cleaned_data["on"]
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the past."))
        if self.created is not None and day < timezone.localdate(self.created):
            raise forms.ValidationError(
                _("The organization did not exist yet on that day (created on %(day)s).")
                % {"day": timezone.localdate(self.created).isoformat()}
            )
        return day


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    public_log = forms.BooleanField(
        label=_("Public log: anyone can read and verify the decisions and the chart"),
        required=False,
    )
    data_licence = forms.ChoiceField(
        label=_("Licence of the open data"),
        choices=DataLicence.choices,
        required=False,  # not sent: the licence stays as it is
        help_text=_(
            "A public organization publishes its structure and decisions as open data "
            "under this licence."
        ),
    )


def _lines(label, rows=4, help_text=None):
    """A list edited as one item per line (the services split it)."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        help_text=help_text or _("One per line."),
    )


def lines_of(items) -> str:
    return "\n".join(items or [])


class CircleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Unique in the organization. Made from the name if empty."),
    )
    aim = forms.CharField(label=_("Aim"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    domains = _lines(_("Domains"), help_text=_("What the circle decides on: one domain per line."))


class CircleEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    aim = forms.CharField(label=_("Aim"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    domains = _lines(_("Domains"), help_text=_("What the circle decides on: one domain per line."))
    review_months = forms.IntegerField(
        label=_("Default review term of policies (months)"), min_value=1, max_value=120
    )


class MoveForm(forms.Form):
    parent = forms.ChoiceField(label=_("New parent circle"))

    def __init__(self, *args, circles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("Choose a circle"))] + [
            (str(c.pk), c.name) for c in circles
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AddMemberForm(forms.Form):
    user = forms.ChoiceField(label=_("Person"))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = _people_choices(people)


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    domains = _lines(_("Domains"), rows=3)
    accountabilities = _lines(
        _("Accountabilities"), help_text=_("What the role does: one accountability per line.")
    )
    default_term_months = forms.IntegerField(
        label=_("Default term (months)"), min_value=1, max_value=60, initial=12
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line."),
    )


class NewRoleForm(RoleForm):
    shared = forms.BooleanField(label=_("Several people may hold it at once"), required=False)


def role_initial(role) -> dict:
    return {
        "name": role.name,
        "purpose": role.purpose,
        "domains": lines_of(role.domains),
        "accountabilities": lines_of(role.accountabilities),
        "default_term_months": role.default_term_months,
        "qualifications": lines_of(role.qualifications),
    }


class ChangeForm(forms.Form):
    """A change of definitions proposed to consent: the circle's aim and
    domains, or a role's definition (``target``)."""

    title = forms.CharField(
        label=_("Title of the proposal"),
        max_length=200,
        required=False,
        help_text=_("Empty: a title naming what changes."),
    )
    reason = forms.CharField(
        label=_("Why this change"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    aim = forms.CharField(label=_("Aim"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    domains = _lines(_("Domains"))
    accountabilities = _lines(
        _("Accountabilities"), help_text=_("What the role does: one accountability per line.")
    )
    qualifications = _lines(_("Qualifications"), rows=3)
    default_term_months = forms.IntegerField(
        label=_("Default term (months)"), min_value=1, max_value=60, required=False
    )

    CIRCLE = ("title", "reason", "aim", "domains")

    def __init__(self, *args, target="circle", process_role=False, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.CIRCLE if target == "circle" else None
        for name in list(self.fields):
            if (keep is not None and name not in keep) or (keep is None and name == "aim"):
                del self.fields[name]
        if process_role:
            self.fields.pop("name", None)


class AssignForm(forms.Form):
    user = forms.ChoiceField(label=_("Person"))
    term_end = forms.DateField(
        label=_("Term end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the role's default term."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = _people_choices(people)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    circle = forms.ChoiceField(label=_("Circle"))

    def __init__(self, *args, circles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].choices = [(str(c.pk), c.name) for c in circles]


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=120)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
