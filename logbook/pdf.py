"""A log entry (the minutes of a meeting above all) as a PDF to hand out.

The PDF is the entry's page without the site around it (the same template,
``logbook/_entry.html``), laid out for A4 by a print stylesheet, rendered by
WeasyPrint (``core.pdf``). Links are absolute (``SITE_URL``), so the paper
copy points at the entry it was printed from, and its hash is printed with it.
"""

from core.pdf import pdf_response, render_pdf


def entry_response(context: dict):
    """The PDF download of the entry described by ``context`` (the entry
    page's): the same answer from the page's link and from the API."""
    from core.links import absolute

    decision = context["d"]
    context = {**context, "entry_url": absolute(decision.get_absolute_url())}
    name = f"{context['organization'].slug}-{decision.sequence}.pdf"
    return pdf_response(entry_pdf(context), name)


def entry_pdf(context: dict) -> bytes:
    """The PDF of the entry described by ``context`` (the detail page's)."""
    return render_pdf("logbook/entry_print.html", context)
