"""Round sheets: one printed page per round, to note answers on paper.

For a room where some people have no device, the facilitator or the
secretary prints the rounds to come: each page names the round and what it
is about, then the people in turn order with a blank line each (and, for a
nomination round, the columns to fill). Each process app says which sheets
it has (``proposals.sheets``, ``elections.sheets``, through its room face for
a meeting); this module only lays them out, as an HTML page with a print
stylesheet (one round a page) and as a PDF (``core.pdf``).
"""

from dataclasses import dataclass, field

from django.shortcuts import render

from core import pdf


@dataclass(frozen=True)
class Sheet:
    #: The round's name ("Consent round", "Nominations").
    round: str
    #: What the round is about: the proposal's title, the role.
    about: str
    #: The people, in turn order (users).
    people: tuple
    #: The columns to write in, after the name (at least one: the answer).
    columns: tuple[str, ...]
    #: A line under the heading (the question asked, who speaks last).
    note: str = ""
    #: Where it comes from (the circle, the meeting's item).
    context: str = ""
    extra: dict = field(default_factory=dict)


def respond(request, sheets, *, organization, title: str, back_url: str, filename: str, as_pdf):
    """The sheets as a printable page, or (``as_pdf``) as a PDF download."""
    context = {
        "organization": organization,
        "sheets": list(sheets),
        "title": title,
        "back_url": back_url,
    }
    if as_pdf:
        return pdf.pdf_response(pdf.render_pdf("core/round_sheets_print.html", context), filename)
    return render(request, "core/round_sheets.html", context)
