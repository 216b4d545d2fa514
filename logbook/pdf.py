"""A log entry (the minutes of a meeting above all) as a PDF to hand out.

The PDF is the entry's page without the site around it (the same template,
``logbook/_entry.html``), laid out for A4 by a print stylesheet, rendered by
WeasyPrint. Links are absolute (``SITE_URL``), so the paper copy points at
the entry it was printed from, and its hash is printed with it.
"""

from django.conf import settings
from django.template.loader import render_to_string


def entry_response(context: dict):
    """The PDF download of the entry described by ``context`` (the entry
    page's): the same answer from the page's link and from the API."""
    from django.http import HttpResponse

    from core.links import absolute

    decision = context["d"]
    context = {**context, "entry_url": absolute(decision.get_absolute_url())}
    response = HttpResponse(entry_pdf(context), content_type="application/pdf")
    name = f"{context['organization'].slug}-{decision.sequence}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def entry_pdf(context: dict) -> bytes:
    """The PDF of the entry described by ``context`` (the detail page's)."""
    from weasyprint import HTML  # imported when used: loading it costs ~0.3 s

    html = render_to_string("logbook/entry_print.html", {**context, "for_print": True})
    return HTML(string=html, base_url=settings.CERCLE_SITE_URL).write_pdf()
