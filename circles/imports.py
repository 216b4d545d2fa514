"""Members from a list: parse, then plan line by line, before anything is written.

An administrator pastes lines or uploads a CSV file: ``email, name, circles,
language`` (a header row naming the columns is optional; the circles of a
line are separated by ``|``, ``;`` or ``,`` and named by short name or by
name). ``plan`` says, for each line, what applying would do:

- ``invite``: no account here, or not in the organization: an invitation
  into each circle named (the root circle when none is);
- ``add``: already in the organization: added to the circles they are not in;
- ``unchanged``: already in every circle named;
- ``error``: with its reason (a bad address, a circle that does not exist or
  was dissolved, an unknown language, an address twice in the list, a circle
  the administrator may not invite into).

``services.import_members`` plans again inside its transaction and applies
every line, or none when one has an error. Planning reads everything it
needs in a handful of queries, whatever the number of lines.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from circles import rules
from circles.models import Circle, Invitation, Membership, OrganizationMember

MAX_LINES = 10_000
HEADERS = {
    "email": "email",
    "e-mail": "email",
    "courriel": "email",
    "mail": "email",
    "name": "name",
    "nom": "name",
    "circles": "circles",
    "circle": "circles",
    "cercles": "circles",
    "cercle": "circles",
    "language": "language",
    "langue": "language",
}
COLUMNS = ["email", "name", "circles", "language"]


@dataclass
class Row:
    number: int
    email: str
    name: str = ""
    circles: list[str] = field(default_factory=list)
    language: str = ""


@dataclass
class Line:
    row: Row
    outcome: str  # "invite" | "add" | "unchanged" | "error"
    reason: str = ""
    circles: list = field(default_factory=list)  # the circles it acts on
    user: object = None

    @property
    def circle_names(self) -> str:
        return ", ".join(c.name for c in self.circles)


def _dialect(sample: str) -> str:
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def parse(text: str) -> list[Row]:
    """The lines of a pasted list or CSV file (blank lines skipped)."""
    text = (text or "").lstrip("\ufeff")
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > MAX_LINES + 1:
        from core.errors import Invalid

        raise Invalid(
            _("At most %(n)s lines at once; split the list.") % {"n": MAX_LINES}, field="text"
        )
    reader = csv.reader(io.StringIO(text), delimiter=_dialect("\n".join(lines[:20])))
    rows, columns = [], COLUMNS
    for number, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not rows and columns is COLUMNS and "@" not in cells[0]:  # a header row?
            named = [HEADERS.get(c.lower()) for c in cells]
            if "email" in named:
                columns = [n or "" for n in named]
                continue
        values = dict(zip(columns, cells, strict=False))
        rows.append(
            Row(
                number=number,
                email=values.get("email", "").lower(),
                name=values.get("name", ""),
                circles=[
                    c.strip() for c in re.split(r"[|;,]", values.get("circles", "")) if c.strip()
                ],
                language=values.get("language", "").lower(),
            )
        )
    return rows


def plan(organization, rows: list[Row], *, by) -> list[Line]:
    """What applying ``rows`` would do, line by line; writes nothing."""
    circles = list(Circle.objects.filter(organization=organization))
    by_key = {}
    for circle in circles:
        by_key[circle.slug.lower()] = circle
        by_key.setdefault(circle.name.lower(), circle)
    root = next(c for c in circles if c.parent_id is None)
    users = {
        u.email.lower(): u
        for u in get_user_model().objects.filter(email__in={r.email for r in rows if r.email})
    }
    in_org = set(
        OrganizationMember.objects.filter(
            organization=organization, left__isnull=True, user__in=users.values()
        ).values_list("user_id", flat=True)
    )
    memberships = set(
        Membership.objects.filter(
            circle__organization=organization, left__isnull=True, user__in=users.values()
        ).values_list("user_id", "circle_id")
    )
    pending = set(
        Invitation.objects.filter(
            organization=organization, accepted__isnull=True, revoked__isnull=True
        ).values_list("email", "circle_id")
    )
    languages = dict(settings.LANGUAGES)
    may_invite: dict[int, object] = {}
    seen: dict[str, int] = {}
    lines = []
    for row in rows:
        line = _plan_row(
            row, by_key, root, users, in_org, memberships, pending, languages, seen, may_invite, by
        )
        seen.setdefault(row.email, row.number)
        lines.append(line)
    return lines


def _plan_row(row, by_key, root, users, in_org, memberships, pending, languages, seen, may, by):
    def error(reason):
        return Line(row=row, outcome="error", reason=reason)

    try:
        validate_email(row.email)
    except ValidationError:
        return error(_("“%(email)s” is not an email address.") % {"email": row.email})
    if row.email in seen:
        return error(_("This address is already on line %(n)s.") % {"n": seen[row.email]})
    if row.language and row.language not in languages:
        return error(_("Unknown language “%(lang)s”.") % {"lang": row.language})
    targets = []
    for key in row.circles or [root.slug]:
        circle = by_key.get(key.lower())
        if circle is None:
            return error(_("No circle “%(name)s” in this organization.") % {"name": key})
        if circle.dissolved is not None:
            return error(_("The circle “%(name)s” was dissolved.") % {"name": circle.name})
        if circle.pk not in may:
            may[circle.pk] = rules.may("invite", circle, by)
        if not may[circle.pk]:
            return error(may[circle.pk].message)
        if circle not in targets:
            targets.append(circle)
    user = users.get(row.email)
    if user is not None and user.pk in in_org:
        missing = [c for c in targets if (user.pk, c.pk) not in memberships]
        if not missing:
            return Line(
                row=row, outcome="unchanged", reason=_("Already in these circles."), user=user
            )
        return Line(row=row, outcome="add", circles=missing, user=user)
    fresh = [c for c in targets if (row.email, c.pk) not in pending]
    if not fresh:
        return Line(
            row=row, outcome="unchanged", reason=_("An invitation is already waiting."), user=user
        )
    return Line(row=row, outcome="invite", circles=fresh, user=user)


def summary(lines: list[Line]) -> dict[str, int]:
    counts = {"invite": 0, "add": 0, "unchanged": 0, "error": 0}
    for line in lines:
        counts[line.outcome] += 1
    return counts


def done_message(counts: dict[str, int]) -> str:
    from django.utils.translation import ngettext

    return " ".join(
        [
            ngettext("%(n)s invitation sent.", "%(n)s invitations sent.", counts["invite"])
            % {"n": counts["invite"]},
            ngettext(
                "%(n)s member added to circles.", "%(n)s members added to circles.", counts["add"]
            )
            % {"n": counts["add"]},
        ]
    )
