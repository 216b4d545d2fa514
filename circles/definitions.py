"""What a circle's and a role's definitions are, and a change of them.

A circle is defined by its aim and its domains; a role by its name, purpose,
domains, accountabilities, qualifications and default term. Once a circle
has finished its set-up (``Circle.setup_done``), a change of them is a
consent proposal carrying the change (``Proposal.change``, written by
``change_of``); adopting it applies the change (``circles.services.
apply_change``) and the decision records ``diff`` (docs/RECORDS.md).
"""

import re

from django.utils.translation import gettext as _

# A line's list marker ("- ", "* ", "• ", "1. ", "1) ") is not part of the item.
_MARKER = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")


def split_lines(text) -> list[str]:
    """One item per non-empty line of ``text``, stripped of its list marker:
    how an old one-text domain or description became a list (migration
    ``circles.0004``, old structure files)."""
    items = []
    for line in (text or "").splitlines():
        item = _MARKER.sub("", line).strip()
        if item:
            items.append(item)
    return items


CIRCLE_FIELDS = ("aim", "domains")
ROLE_FIELDS = (
    "name",
    "purpose",
    "domains",
    "accountabilities",
    "qualifications",
    "default_term_months",
)
LIST_FIELDS = {"domains", "accountabilities", "qualifications"}


def circle_definition(circle) -> dict:
    return {"aim": circle.aim, "domains": list(circle.domains or [])}


def role_definition(role) -> dict:
    return {
        "name": role.name,
        "purpose": role.purpose,
        "domains": list(role.domains or []),
        "accountabilities": list(role.accountabilities or []),
        "qualifications": list(role.qualifications or []),
        "default_term_months": role.default_term_months,
    }


def empty_role_definition() -> dict:
    return {
        "name": "",
        "purpose": "",
        "domains": [],
        "accountabilities": [],
        "qualifications": [],
        "default_term_months": 12,
    }


def diff(before: dict, after: dict) -> dict:
    """``{field: {"before", "after"}}`` of every field that changed."""
    return {
        field: {"before": before.get(field), "after": value}
        for field, value in after.items()
        if before.get(field) != value
    }


def labels() -> dict:
    """Each field's name, in the current language."""
    return {
        "aim": _("Aim"),
        "domains": _("Domains"),
        "name": _("Name"),
        "purpose": _("Purpose"),
        "accountabilities": _("Accountabilities"),
        "qualifications": _("Qualifications"),
        "default_term_months": _("Default term (months)"),
    }


def proposal_text(change: dict, reason: str = "") -> str:
    """The proposal's Markdown text: why, then the new definition in full
    (what the circle consents to) and what changes."""
    names = labels()
    heading, none = _("The definition proposed"), _("None.")
    lines = []
    if reason:
        lines += [reason.strip(), ""]
    lines += [f"### {heading}", ""]
    for field, value in change["after"].items():
        lines.append(f"**{names[field]}**")
        lines.append("")
        if field in LIST_FIELDS:
            lines += [f"- {item}" for item in value] or [f"*{none}*"]
        else:
            lines.append(str(value) if value not in ("", None) else f"*{none}*")
        lines.append("")
    changed = diff(change.get("before") or {}, change["after"])
    if change.get("before") is not None and changed:
        lines.append(
            _("What changes: %(fields)s.") % {"fields": ", ".join(str(names[f]) for f in changed)}
        )
    return "\n".join(lines).strip() + "\n"


def change_rows(change: dict | None, current: dict | None = None) -> list[dict]:
    """A change as rows for a page: each field's label, before and after, and
    whether it changes (``current``, the definition now, else the one proposed
    against)."""
    if not change:
        return []
    names = labels()
    before = current if current is not None else (change.get("before") or {})
    return [
        {
            "field": field,
            "label": names.get(field, field),
            "before": before.get(field),
            "after": value,
            "is_list": field in LIST_FIELDS,
            "changed": before.get(field) != value,
        }
        for field, value in change["after"].items()
    ]


def _in_every_language(make) -> set[str]:
    """``make()`` (a translated string) in each of the site's languages."""
    from django.conf import settings
    from django.utils import translation

    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(str(make()))
    return found


def read_proposed(text: str, fields) -> dict | None:
    """The definition an (amended) proposal text proposes: the inverse of
    :func:`proposal_text` for ``fields``, in any of the site's languages, the
    reason above the heading and the closing "What changes" line ignored.

    A list field is its "- " lines, "*None.*" an empty value; a text field its
    paragraph. None when the section or one of the fields' labels is gone, so
    the caller can refuse an amendment that no longer says what adopting it
    applies."""
    headings = _in_every_language(lambda: _("The definition proposed"))
    nones = {f"*{n}*" for n in _in_every_language(lambda: _("None."))}
    closing = {
        p.split("%(fields)s")[0].strip()
        for p in _in_every_language(lambda: _("What changes: %(fields)s."))
    }
    by_label = {}
    for field in fields:
        for label in _in_every_language(lambda field=field: labels()[field]):
            by_label[f"**{label}**"] = field
    lines = (text or "").splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.strip().lstrip("#").strip() in headings
         and line.strip().startswith("#")),
        None,
    )  # fmt: skip
    if start is None:
        return None
    found: dict[str, list[str]] = {}
    current = None
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if stripped in by_label:
            current = by_label[stripped]
            found[current] = []
        elif any(stripped.startswith(c) for c in closing if c):
            current = None
        elif current is not None:
            found[current].append(line)
    if set(found) != set(fields):
        return None
    read = {}
    for field, body in found.items():
        items = [line.strip() for line in body if line.strip()]
        if items in ([], *([n] for n in nones)):
            read[field] = [] if field in LIST_FIELDS else ""
        elif field in LIST_FIELDS:
            read[field] = [_MARKER.sub("", item).strip() for item in items]
        else:
            read[field] = "\n".join(line.rstrip() for line in body).strip()
    return read
