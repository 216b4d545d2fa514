from django import forms
from django.utils.translation import gettext_lazy as _

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
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
