from django import forms
from django.utils.translation import gettext_lazy as _

from circles.selectors import domains_of
from proposals.services import MAX_BODY, MAX_TITLE


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, *italic*, lists, links. HTML is shown as text."),
    )
    review_date = forms.DateField(
        label=_("Proposed review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the circle looks at it again; by default the circle's review term."),
    )
    measures = forms.CharField(
        label=_("Measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "How the circle will know it works: one measure a line. Looked at in its review."
        ),
    )
    domain = forms.ChoiceField(
        label=_("Domain"),
        required=False,
        help_text=_("The circle's domain this policy belongs to, if any."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, circle=None, **kwargs):
        super().__init__(*args, **kwargs)
        domains = domains_of(circle) if circle is not None else []
        self.fields["domain"].choices = [("", _("No domain"))] + [(d, d) for d in domains]
        if not domains:
            # A circle without domains: nothing to choose.
            del self.fields["domain"]
