"""A page as a PDF to hand out, rendered by WeasyPrint.

The template is a print page of its own (``@page`` rules, no site around
it); links in it are absolute (``SITE_URL``). The log's entries
(``logbook/pdf.py``) and the round sheets (``core.sheets``) use it.
"""

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF of ``template`` rendered with ``context``."""
    from weasyprint import HTML  # imported when used: loading it costs ~0.3 s

    html = render_to_string(template, {**context, "for_print": True})
    return HTML(string=html, base_url=settings.CERCLE_SITE_URL).write_pdf()


def pdf_response(content: bytes, filename: str):
    """A download of ``content`` named ``filename``."""
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
