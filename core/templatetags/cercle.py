from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render user Markdown as cleaned HTML: ``{{ proposal.body|markdown }}``."""
    return render_markdown(text)


@register.filter
def quoted(text: str):
    """What someone wrote, between the active language's quotation marks
    (“…” in English, « … » in French): ``{{ answer.text|quoted }}``."""
    # Translators: quotation marks around words someone wrote.
    return mark_safe(gettext("“%(text)s”") % {"text": conditional_escape(text)})  # noqa: S308


@register.filter
def colon(label: str) -> str:
    """A label with its colon as the active language writes it: "Reason:" in
    English, "Raison :" in French: ``{{ _("Reason")|colon }}``. After other
    words (``{{ ""|colon }}``), the colon alone."""
    # Translators: a label and its colon; French puts a no-break space before it.
    return gettext("%(label)s:") % {"label": label}
