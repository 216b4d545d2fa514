"""The circles' part of an organization's export (``core.portable``): the
organization itself, its members, the circle tree with its definitions and
set-up flag, memberships and role assignments with their dates, roles, and
the relays of its double links.

Invitations stay out (each carries a link's token). A circle is named by its
slug; the tree is written parents first, so each circle's parent is already
there when it is read back.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from circles.models import (
    Circle,
    DataLicence,
    Membership,
    Organization,
    OrganizationMember,
    Relay,
    Role,
    RoleAssignment,
)
from core import portable
from core.portable import Refused, Root, Table

ORGANIZATION_FIELDS = ("name", "slug", "language", "public_log", "data_licence", "created")


def dump_organization(organization) -> dict:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "language": organization.language,
        "public_log": organization.public_log,
        "data_licence": organization.data_licence,
        "created": portable.iso(organization.created),
    }


def create_organization(data) -> Organization:
    if not isinstance(data, dict):
        raise Refused(_("The document has no organization."))
    slug = data.get("slug")
    try:
        validate_slug(slug or "")
    except ValidationError:
        raise Refused(_("%(slug)r is not a short name.") % {"slug": slug}) from None
    if Organization.objects.filter(slug=slug).exists():
        raise Refused(
            _("An organization with the short name %(slug)s exists already.") % {"slug": slug}
        )
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise Refused(_("The organization needs a name of at most 120 characters."))
    if data.get("language") not in {code for code, _name in settings.LANGUAGES}:
        raise Refused(_("Unknown language %(value)r.") % {"value": data.get("language")})
    if data.get("data_licence") not in DataLicence.values:
        raise Refused(_("Unknown licence %(value)r.") % {"value": data.get("data_licence")})
    field = Organization._meta.get_field("created")
    return Organization.objects.create(
        name=name,
        slug=slug,
        language=data["language"],
        public_log=bool(data.get("public_log")),
        data_licence=data["data_licence"],
        created=portable.load_value(field, data.get("created"), "organization"),
    )


def organization_schema() -> dict:
    properties = {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 60},
        "language": {"enum": [code for code, _name in settings.LANGUAGES]},
        "public_log": {"type": "boolean"},
        "data_licence": {"enum": list(DataLicence.values)},
        "created": {"type": "string", "format": "date-time"},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }


def circles_parents_first(organization) -> list[Circle]:
    """The tree from the root down, each level by id: a parent before its children."""
    circles = list(Circle.objects.filter(organization=organization).order_by("pk"))
    children: dict = {}
    for circle in circles:
        children.setdefault(circle.parent_id, []).append(circle)
    ordered, level = [], children.get(None, [])
    while level:
        ordered.extend(level)
        level = [child for circle in level for child in children.get(circle.pk, [])]
    return ordered


def _dump_change(value, refs):
    """A proposal's change of definitions names its circle and role by id."""
    if not value:
        return value
    out = dict(value)
    if out.get("circle"):
        circle = dict(out["circle"])
        circle["id"] = refs.ref(Circle, circle.get("id"))
        out["circle"] = circle
    if out.get("role"):
        role = dict(out["role"])
        role["id"] = refs.ref(Role, role.get("id"))
        out["role"] = role
    return out


def _load_change(value, refs):
    if not value:
        return value
    if not isinstance(value, dict):
        raise Refused(_("A proposal's change is not an object."))
    out = dict(value)
    try:
        if out.get("circle"):
            out["circle"] = {**out["circle"], "id": refs.pk(Circle, out["circle"].get("id"))}
        if out.get("role"):
            out["role"] = {**out["role"], "id": refs.pk(Role, out["role"].get("id"))}
    except portable.Missing as missing:
        raise Refused(
            _("A proposal's change names %(missing)s, which is not in the document.")
            % {"missing": missing}
        ) from None
    return out


#: For ``proposals``: its change of definitions names a circle and a role.
CHANGE = (
    _dump_change,
    _load_change,
    {
        "anyOf": [{"type": "object"}, {"type": "null"}],
        "description": "a change of definitions: its circle's id is the circle's slug, "
        "its role's id the role's position",
    },
)


def register() -> None:
    portable.register_root(
        Root(
            dump=dump_organization,
            create=create_organization,
            find=lambda slug: Organization.objects.get(slug=slug),
            schema=organization_schema(),
        )
    )
    for table in (
        Table(
            "circles.organizationmember",
            OrganizationMember,
            rows=portable.rows_of(OrganizationMember, "organization"),
            order=10,
            description="Belonging to the organization, with its dates",
        ),
        Table(
            "circles.circle",
            Circle,
            rows=circles_parents_first,
            order=11,
            natural="slug",
            description="The circles, parents first, dissolved ones too",
        ),
        Table(
            "circles.membership",
            Membership,
            rows=portable.rows_of(Membership, "circle__organization"),
            order=12,
            description="Memberships of circles, with their dates",
        ),
        Table(
            "circles.role",
            Role,
            rows=portable.rows_of(Role, "circle__organization"),
            order=13,
        ),
        Table(
            "circles.roleassignment",
            RoleAssignment,
            rows=portable.rows_of(RoleAssignment, "role__circle__organization"),
            order=30,
            description="Terms of roles, ended ones too",
        ),
        Table(
            "circles.relay",
            Relay,
            rows=portable.rows_of(Relay, "organization"),
            order=31,
            description="Decisions carried across a double link",
        ),
    ):
        portable.register(table)
