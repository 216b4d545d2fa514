"""What a new organization starts from: a template, or another one's structure.

A *structure document* is an organization's circles and roles without people
or decisions (``structure_of``): it is how a collective shares the shape it
found good, and how the built-in templates are written. Applying one goes
through the services (``circles.services.create_organization``: each circle
and role created is a decision, like any other), inside the transaction that
creates the organization. This module only describes and checks documents.

    {"format": "cercle-structure", "version": 1,
     "circles": [{"slug", "name", "aim", "domains": [...], "parent": slug | null}],
     "roles": [{"circle": slug, "kind", "name", "purpose", "domains": [...],
                "accountabilities": [...], "qualifications": [...],
                "default_term_months", "shared"}]}

The circle whose ``parent`` is null is the root: its aim and domains go to the
new organization's root circle (which keeps the organization's name). A file
exported before definitions were lists (a circle's ``domain`` and a role's
``description`` as one text) is read too: one item per non-empty line. Every
circle a document creates starts in its set-up.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles.models import Role
from core.errors import Invalid

FORMAT = "cercle-structure"
VERSION = 1
MAX_CIRCLES = 500
MAX_ROLES = 2000
PROCESS_KINDS = {Role.Kind.LEADER, Role.Kind.DELEGATE, Role.Kind.FACILITATOR, Role.Kind.SECRETARY}


def _circle(slug, names, aims, parent):
    return {"slug": slug, "names": names, "aims": aims, "parent": parent}


# The built-in templates: each circle's name and aim in English and French.
TEMPLATES = {
    "first_circle": {
        "label": gettext_lazy("A first circle"),
        "help": gettext_lazy("One circle with its process roles; add circles as you grow."),
        "circles": [],
    },
    "association": {
        "label": gettext_lazy("A sociocratic association"),
        "help": gettext_lazy(
            "A mission circle (the board) above a general circle and three operational "
            "circles, each double-linked to its parent, with their process roles."
        ),
        "circles": [
            _circle(
                "",
                ("", ""),
                (
                    "Mission circle: holds the association's mission, its legal duties "
                    "and its long-term direction.",
                    "Cercle de mission : porte la mission de l'association, ses "
                    "obligations légales et ses orientations à long terme.",
                ),
                None,
            ),
            _circle(
                "general",
                ("General circle", "Cercle général"),
                (
                    "Coordinates the operational circles and turns the mission into work.",
                    "Coordonne les cercles opérationnels et traduit la mission en actions.",
                ),
                "",
            ),
            _circle(
                "activities",
                ("Activities", "Activités"),
                ("Runs the association's activities.", "Organise les activités de l'association."),
                "general",
            ),
            _circle(
                "communication",
                ("Communication", "Communication"),
                (
                    "Tells members and the public what the association does.",
                    "Fait connaître l'action de l'association aux membres et au public.",
                ),
                "general",
            ),
            _circle(
                "finances",
                ("Finances and administration", "Finances et administration"),
                (
                    "Keeps the accounts, the membership and the paperwork.",
                    "Tient les comptes, les adhésions et l'administratif.",
                ),
                "general",
            ),
        ],
    },
}
TEMPLATE_NAMES = [*TEMPLATES, "import"]


def template_choices() -> list[tuple[str, str]]:
    return [(name, str(t["label"])) for name, t in TEMPLATES.items()] + [
        ("import", _("The structure of another organization (a file exported from Cercle)"))
    ]


def template_document(name: str, language: str) -> dict:
    """A built-in template as a structure document, in ``language``."""
    if name not in TEMPLATES:
        raise Invalid(_("Unknown template."), field="template")
    index = 1 if language == "fr" else 0
    return {
        "format": FORMAT,
        "version": VERSION,
        "circles": [
            {
                "slug": c["slug"],
                "name": c["names"][index],
                "aim": c["aims"][index],
                "domains": [],
                "parent": c["parent"],
            }
            for c in TEMPLATES[name]["circles"]
        ],
        "roles": [],
    }


def structure_of(organization) -> dict:
    """The organization's open circles and their roles, without people."""
    from circles import selectors

    circles = list(selectors.circles_of(organization))
    slugs = {c.pk: c.slug for c in circles}
    roles = Role.objects.filter(circle__in=circles).order_by("circle__name", "kind", "name")
    return {
        "format": FORMAT,
        "version": VERSION,
        "organization": {"name": organization.name, "language": organization.language},
        "circles": [
            {
                "slug": c.slug,
                "name": c.name,
                "aim": c.aim,
                "domains": list(c.domains),
                "parent": slugs.get(c.parent_id) if c.parent_id else None,
            }
            for c in sorted(circles, key=lambda c: (c.parent_id is not None, c.pk))
        ],
        "roles": [
            {
                "circle": slugs[r.circle_id],
                "kind": r.kind,
                "name": r.name,
                "purpose": r.purpose,
                "domains": list(r.domains),
                "accountabilities": list(r.accountabilities),
                "qualifications": list(r.qualifications or []),
                "default_term_months": r.default_term_months,
                "shared": r.shared,
            }
            for r in roles
        ],
    }


def text_of(value, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("The structure file is not valid: %(what)s must be text.") % {"what": what})
    return value


def list_of(entry: dict, key: str, old_key: str) -> list[str]:
    """A list field of a document entry, or the old text field split into
    one item per non-empty line."""
    from circles.definitions import split_lines

    value = entry.get(key)
    if value is None:
        return split_lines(text_of(entry.get(old_key), old_key))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(
            _("The structure file is not valid: %(what)s must be a list of texts.") % {"what": key}
        )
    return value


def domains_of(entry: dict) -> list[str]:
    return list_of(entry, "domains", "domain")


def role_texts(entry: dict) -> dict:
    """A role entry's purpose, domains and accountabilities."""
    return {
        "purpose": text_of(entry.get("purpose"), "purpose"),
        "domains": list_of(entry, "domains", "domain"),
        "accountabilities": list_of(entry, "accountabilities", "description"),
    }


def validate(document) -> dict:
    """The document checked whole, before anything is written; a clear error
    naming the first problem otherwise."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Invalid(_("This file is not a Cercle structure export."), field="structure")
    if document.get("version") != VERSION:
        raise Invalid(
            _("This structure file has version %(v)s; this Cercle reads version %(ok)s.")
            % {"v": document.get("version"), "ok": VERSION},
            field="structure",
        )
    circles, roles = document.get("circles"), document.get("roles", [])
    if not isinstance(circles, list) or not isinstance(roles, list):
        raise Invalid(_("The structure file is not valid: no list of circles."), field="structure")
    if len(circles) > MAX_CIRCLES or len(roles) > MAX_ROLES:
        raise Invalid(_("The structure file is too large."), field="structure")
    by_slug: dict[str, dict] = {}
    roots = []
    for entry in circles:
        if not isinstance(entry, dict):
            raise Invalid(_("The structure file is not valid: a circle is not an object."))
        slug = text_of(entry.get("slug"), "slug")
        if entry.get("parent") is None:
            roots.append(slug)
        elif slug in by_slug or not slug:
            raise Invalid(
                _("The structure file names the circle “%(slug)s” twice (or without a slug).")
                % {"slug": slug},
                field="structure",
            )
        by_slug[slug] = entry
    if len(roots) > 1:
        raise Invalid(_("The structure file has more than one root circle."), field="structure")
    for slug, entry in by_slug.items():
        seen, parent = {slug}, entry.get("parent")
        while parent is not None:
            if parent not in by_slug:
                raise Invalid(
                    _("The circle “%(slug)s” has an unknown parent “%(parent)s”.")
                    % {"slug": slug, "parent": parent},
                    field="structure",
                )
            if parent in seen:
                raise Invalid(_("The circles of the structure file form a loop."))
            seen.add(parent)
            parent = by_slug[parent].get("parent")
    for role in roles:
        if not isinstance(role, dict) or role.get("circle") not in by_slug:
            raise Invalid(_("A role of the structure file belongs to no circle of it."))
        if role.get("kind") not in Role.Kind.values:
            raise Invalid(
                _("Unknown role kind “%(kind)s” in the structure file.")
                % {"kind": role.get("kind")}
            )
    return document
