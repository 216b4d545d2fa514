"""An organization, whole, as one versioned JSON document, and back in.

``core`` knows no app: each app declares its own part when it starts
(``AppConfig.ready``), as it registers its reminders or agenda sources::

    portable.register(portable.Table("circles.membership", Membership, rows=..., order=12))

A part is either a :class:`Table` (rows of one model, written field by field,
references by natural key) or any object with the same four methods
(``collect``, ``dump``, ``load``, ``schema``): the decision log is one, given
by ``decisions.portable``, because it is written through the log core's own
checks, never as plain rows. ``circles`` registers the organization itself
(:func:`register_root`).

The document never names a database id: a person is their email address, a
circle its slug, a decision its sequence number, a content type its
``app_label.model``, and any other row its position (from 1) in its table,
which lists the organization's rows in a stable order (by id, or as the table
says). Import writes the rows in the document's order, so the new ids keep
that order, and the same document comes out again (``tests/core/test_portable.py``).

Import runs in one transaction: a refused document (:class:`Refused`, its
reason in the message) writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Invalid

FORMAT = "cercle-organization"
VERSION = 1


class Refused(Invalid):
    """The document cannot be imported; the message says why."""


# ---------------------------------------------------------------------------
# References: natural keys out, database ids back in.


class Refs:
    """What the parts share while a document is written or read.

    Export: ``ref(model, pk)`` is what the document calls a row. Import:
    ``pk(model, ref)`` is the id the row got here; ``later(fn)`` runs once
    every part is written (a nullable reference to a row written after).
    """

    def __init__(self, organization=None):
        self.organization = organization
        self._out: dict[type, dict[int, Any]] = {}
        self._in: dict[type, dict[Any, int]] = {}
        self.people: dict[int, Any] = {}  # export: user id -> user
        self.emails: dict[str, int] = {}  # import: email -> user id
        self._later: list[Callable[[], None]] = []
        #: Import: the people the import created (no account here before).
        self.created_people: list[int] = []

    # export side
    def name(self, model: type, pk: int, ref) -> None:
        self._out.setdefault(model, {})[pk] = ref

    def knows(self, model: type) -> bool:
        return model in self._out

    def ref(self, model: type, pk):
        if pk is None:
            return None
        if model is get_user_model():
            return self.email(pk)
        if model is ContentType:
            ct = ContentType.objects.get_for_id(pk)
            return f"{ct.app_label}.{ct.model}"
        try:
            return self._out[model][pk]
        except KeyError:
            raise Missing(model, pk) from None

    def email(self, user_id) -> str | None:
        if user_id is None:
            return None
        user = self.people.get(user_id)
        if user is None:
            user = get_user_model().objects.get(pk=user_id)
            self.people[user_id] = user
        return user.email.lower()

    # import side
    def got(self, model: type, ref, pk: int) -> None:
        self._in.setdefault(model, {})[ref] = pk

    def pk(self, model: type, ref):
        if ref is None:
            return None
        if model is get_user_model():
            return self.user_id(ref)
        if model is ContentType:
            try:
                app_label, name = str(ref).split(".", 1)
                return ContentType.objects.get_by_natural_key(app_label, name).pk
            except (ValueError, ContentType.DoesNotExist):
                raise Refused(_("Unknown kind of thing %(ref)r.") % {"ref": ref}) from None
        found = self._in.get(model, {})
        try:
            return found[ref]
        except (KeyError, TypeError):
            raise Missing(model, ref) from None

    def user_id(self, email):
        if email is None:
            return None
        try:
            return self.emails[str(email).lower()]
        except KeyError:
            raise Refused(
                _("%(email)s is not among the document's people.") % {"email": email}
            ) from None

    def later(self, fn: Callable[[], None]) -> None:
        self._later.append(fn)

    def finish(self) -> None:
        for fn in self._later:
            fn()
        self._later.clear()


class Missing(Exception):
    """A reference to a row the document does not hold (yet)."""

    def __init__(self, model, ref):
        super().__init__(f"{model._meta.label} {ref!r}")
        self.model = model
        self.ref = ref


# ---------------------------------------------------------------------------
# Values


def dump_value(f: models.Field, value):
    if value is None:
        return None
    if isinstance(f, models.DateTimeField):
        return value.astimezone(UTC).isoformat()
    if isinstance(f, models.DateField):
        return value.isoformat()
    if isinstance(f, models.UUIDField):
        return str(value)
    return value


def load_value(f: models.Field, value, where: str):
    if value is None:
        if not f.null:
            raise Refused(
                _("%(where)s: %(field)s is required.") % {"where": where, "field": f.name}
            )
        return None
    if isinstance(f, models.JSONField):
        return value
    try:
        result = f.to_python(value)
    except ValidationError as exc:
        raise Refused(
            _("%(where)s: %(field)s: %(problem)s")
            % {"where": where, "field": f.name, "problem": " ".join(exc.messages)}
        ) from None
    if isinstance(f, models.DateTimeField) and timezone.is_naive(result):
        raise Refused(
            _("%(where)s: %(field)s needs a time zone.") % {"where": where, "field": f.name}
        )
    return result


def _json_type(f: models.Field) -> dict:
    if isinstance(f, models.JSONField):
        kind: dict = {}
    elif isinstance(f, models.BooleanField):
        kind = {"type": "boolean"}
    elif isinstance(f, models.IntegerField):
        kind = {"type": "integer"}
    elif isinstance(f, models.DateTimeField):
        kind = {"type": "string", "format": "date-time"}
    elif isinstance(f, models.DateField):
        kind = {"type": "string", "format": "date"}
    else:
        kind = {"type": "string"}
        if getattr(f, "max_length", None):
            kind["maxLength"] = f.max_length
    if f.choices and not isinstance(f, models.JSONField):
        kind["enum"] = [value for value, _label in f.flatchoices]
        if f.blank and "" not in kind["enum"] and kind.get("type") == "string":
            kind["enum"].append("")
    if f.null and kind:
        kind = {"anyOf": [kind, {"type": "null"}]}
    return kind


# ---------------------------------------------------------------------------
# Parts


def rows_of(model, path: str) -> Callable[[Any], Iterable]:
    """The usual ``Table.rows``: ``model``'s rows whose ``path`` leads to the
    organization (``"circle__organization"``), by primary key."""
    return lambda organization: model.objects.filter(**{path: organization}).order_by("pk")


@dataclass
class Table:
    """The organization's rows of one model, one JSON object each."""

    key: str
    model: type
    #: The organization's rows (a queryset or list), in the document's order.
    rows: Callable[[Any], Iterable]
    order: int
    #: Referenced by this field's value instead of a position (a circle's slug).
    natural: str | None = None
    #: Fields that stay out: secrets, idempotency keys, caches.
    leave_out: tuple[str, ...] = ()
    #: Fields that hold ids: ``{field: (dump(value, refs), load(value, refs), schema)}``.
    translate: dict[str, tuple[Callable, Callable]] = field(default_factory=dict)
    description: str = ""

    def _fields(self) -> list[models.Field]:
        generic_ids = {g.fk_field for g in self._generics()}
        out = []
        for f in self.model._meta.concrete_fields:
            if f.primary_key and not f.is_relation:
                continue
            if f.name in self.leave_out:
                continue
            if f.is_relation and f.related_model._meta.label == "circles.Organization":
                continue  # the document's organization
            out.append(f)
        return [f for f in out if f.name not in generic_ids] + [
            f for f in out if f.name in generic_ids
        ]

    def _generics(self) -> list[GenericForeignKey]:
        return [f for f in self.model._meta.private_fields if isinstance(f, GenericForeignKey)]

    def _generic_of(self, name: str) -> GenericForeignKey | None:
        return next((g for g in self._generics() if g.fk_field == name), None)

    # export
    def collect(self, organization, refs: Refs) -> None:
        kept = []
        for n, obj in enumerate(self._keep(self.rows(organization), refs), start=1):
            ref = getattr(obj, self.natural) if self.natural else n
            refs.name(self.model, obj.pk, ref)
            kept.append(obj)
        self._objects = kept

    def _keep(self, rows, refs: Refs):
        """Rows whose required references are in the document (an answer
        left out takes its objection with it)."""
        required = [
            f
            for f in self.model._meta.concrete_fields
            if f.is_relation and not f.null and refs.knows(f.related_model)
        ]
        for obj in rows:
            if all(
                f.attname and getattr(obj, f.attname) in refs._out[f.related_model]
                for f in required
            ):
                yield obj

    def dump(self, organization, refs: Refs) -> list[dict]:
        out = []
        for obj in self._objects:
            row = {}
            for f in self._fields():
                value = getattr(obj, f.attname)
                generic = self._generic_of(f.name)
                if generic is not None:
                    ct_id = getattr(obj, self.model._meta.get_field(generic.ct_field).attname)
                    model = ContentType.objects.get_for_id(ct_id).model_class()
                    row[f.name] = refs.ref(model, value)
                elif f.is_relation:
                    row[f.name] = refs.ref(f.related_model, value)
                elif f.name in self.translate:
                    row[f.name] = self.translate[f.name][0](value, refs)
                else:
                    row[f.name] = dump_value(f, value)
            out.append(row)
        del self._objects
        return out

    # import
    def load(self, organization, rows, refs: Refs) -> None:
        if not isinstance(rows, list):
            raise Refused(_("%(part)s is not a list.") % {"part": self.key})
        own_org = [
            f
            for f in self.model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.label == "circles.Organization"
        ]
        self_referencing = any(
            f.is_relation and f.related_model is self.model for f in self._fields()
        )
        pending = []
        for n, row in enumerate(rows, start=1):
            where = f"{self.key} #{n}"
            if not isinstance(row, dict):
                raise Refused(_("%(where)s is not an object.") % {"where": where})
            obj = self.model()
            for f in own_org:
                setattr(obj, f.attname, organization.pk)
            fixups = []
            for f in self._fields():
                value = row.get(f.name)
                generic = self._generic_of(f.name)
                try:
                    if generic is not None:
                        ct_id = getattr(obj, self.model._meta.get_field(generic.ct_field).attname)
                        model = (
                            ContentType.objects.get_for_id(ct_id).model_class() if ct_id else None
                        )
                        if model is None:
                            raise Missing(ContentType, row.get(generic.ct_field))
                        setattr(obj, f.attname, refs.pk(model, value))
                    elif f.is_relation:
                        setattr(obj, f.attname, refs.pk(f.related_model, value))
                    elif f.name in self.translate:
                        setattr(obj, f.attname, self.translate[f.name][1](value, refs))
                    else:
                        setattr(obj, f.attname, load_value(f, value, where))
                except Missing as missing:
                    if not f.null:
                        raise Refused(_missing(where, f.name, missing)) from None
                    setattr(obj, f.attname, None)
                    fixups.append((f, missing.model, value))
            ref = row.get(self.natural) if self.natural else n
            pending.append((obj, ref, fixups))
            if self_referencing:
                self._write([pending.pop()], refs)
        self._write(pending, refs)

    def _write(self, pending, refs: Refs) -> None:
        if not pending:
            return
        self.model.objects.bulk_create([obj for obj, _ref, _fix in pending], batch_size=500)
        for obj, ref, fixups in pending:
            refs.got(self.model, ref, obj.pk)
            for f, model, value in fixups:
                refs.later(_fixup(self.model, obj.pk, f, model, value, refs, self.key))

    def schema(self) -> dict:
        properties = {}
        for f in self._fields():
            generic = self._generic_of(f.name)
            if generic is not None:
                kind: dict = {
                    "type": "integer",
                    "description": f"position in the table named by {generic.ct_field}",
                }
            elif f.is_relation:
                kind = _reference_schema(f)
            elif f.name in self.translate:
                kind = (self.translate[f.name][2:] or ({},))[0]
            else:
                kind = _json_type(f)
            properties[f.name] = kind
        return {
            "type": "array",
            "description": self.description or str(self.model._meta.verbose_name_plural),
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": sorted(properties),
                "properties": properties,
            },
        }


def _missing(where, field_name, missing) -> str:
    return _("%(where)s: %(field)s names %(missing)s, which is not in the document.") % {
        "where": where,
        "field": field_name,
        "missing": missing,
    }


def _fixup(model, pk, f, target, value, refs, key):
    def apply():
        try:
            target_pk = refs.pk(target, value)
        except Missing as missing:
            raise Refused(_missing(key, f.name, missing)) from None
        model.objects.filter(pk=pk).update(**{f.attname: target_pk})

    return apply


def _reference_schema(f: models.Field) -> dict:
    label = f.related_model._meta.label
    if label == settings_user_label():
        kind = {"type": "string", "format": "email", "description": "a person (people)"}
    elif label == "contenttypes.ContentType":
        kind = {"type": "string", "description": "app_label.model"}
    elif label == "decisions.Decision":
        kind = {"type": "integer", "minimum": 1, "description": "a decision's sequence number"}
    elif label == "circles.Circle":
        kind = {"type": "string", "description": "a circle's slug"}
    else:
        kind = {"type": "integer", "minimum": 1, "description": f"position in {label.lower()}"}
    if f.null:
        kind = {"anyOf": [kind, {"type": "null"}]}
    return kind


def settings_user_label() -> str:
    return get_user_model()._meta.label


# ---------------------------------------------------------------------------
# The registry


@dataclass
class Root:
    dump: Callable[[Any], dict]
    create: Callable[[dict], Any]
    find: Callable[[str], Any]
    schema: dict


_parts: dict[str, Any] = {}
_root: list[Root] = []


def register(part) -> None:
    _parts[part.key] = part


def register_root(root: Root) -> None:
    _root[:] = [root]


def parts() -> list:
    return sorted(_parts.values(), key=lambda p: (p.order, p.key))


# ---------------------------------------------------------------------------
# The document


def export_organization(organization) -> dict:
    """The whole organization as one document (:data:`FORMAT`, :data:`VERSION`)."""
    refs = Refs(organization)
    ordered = parts()
    for part in ordered:
        part.collect(organization, refs)
    body = {part.key: part.dump(organization, refs) for part in ordered}
    people = sorted(refs.people.values(), key=lambda u: u.email.lower())
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().astimezone(UTC).isoformat(),
        "organization": _root[0].dump(organization),
        "people": [
            {
                "email": u.email.lower(),
                "name": u.display_name,
                "language": u.language,
                "time_zone": u.time_zone,
            }
            for u in people
        ],
        **body,
    }


#: Keys of the document that differ between two exports of the same state.
VARYING = ("exported_at",)


def import_organization(document) -> Any:
    """Create the organization the document describes; all or nothing.

    Refuses (:class:`Refused`) a document of another format or version, a
    short name already taken, a reference to something the document does not
    hold, a value a field does not take, and a decision log whose chain does
    not verify. People are found by email address; one not found is created
    without a usable password (they set one with "forgot my password").
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Refused(_("This file is not a Cercle organization export."))
    if document.get("version") != VERSION:
        raise Refused(
            _("This export is of version %(found)s; this Cercle reads version %(version)s.")
            % {"found": document.get("version"), "version": VERSION}
        )
    known = {
        "format",
        "version",
        "exported_at",
        "organization",
        "people",
        *(p.key for p in parts()),
    }
    unknown = sorted(set(document) - known)
    if unknown:
        raise Refused(_("Unknown part %(part)r in the document.") % {"part": unknown[0]})
    root = _root[0]
    try:
        with transaction.atomic():
            organization = root.create(document.get("organization"))
            refs = Refs(organization)
            _people(document.get("people"), refs)
            for part in parts():
                part.load(organization, document.get(part.key, []), refs)
            refs.finish()
    except (IntegrityError, DataError) as exc:
        raise Refused(
            _("The document breaks a rule of the database: %(problem)s") % {"problem": exc}
        ) from None
    organization.created_people = refs.created_people
    return organization


def _people(people, refs: Refs) -> None:
    from django.conf import settings

    User = get_user_model()
    if not isinstance(people, list):
        raise Refused(_("The document has no list of people."))
    languages = {code for code, _name in settings.LANGUAGES}
    for n, person in enumerate(people, start=1):
        if not isinstance(person, dict) or not isinstance(person.get("email"), str):
            raise Refused(_("Person #%(n)s has no email address.") % {"n": n})
        email = person["email"].strip().lower()
        try:
            models.EmailField().clean(email, None)
        except ValidationError:
            raise Refused(
                _("Person #%(n)s: %(email)s is not an email address.") % {"n": n, "email": email}
            ) from None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            language = person.get("language")
            user = User.objects.create_user(
                email=email,
                password=None,  # unusable: they set one with a password reset
                display_name=str(person.get("name") or "")[:120],
                language=language if language in languages else settings.LANGUAGE_CODE,
                time_zone=_time_zone(person.get("time_zone")),
            )
            refs.created_people.append(user.pk)
        refs.emails[email] = user.pk


def _time_zone(value) -> str:
    """The person's time zone if this site knows it, else the site's."""
    from django.conf import settings

    field = get_user_model()._meta.get_field("time_zone")
    try:
        field.run_validators(value)
    except (ValidationError, TypeError):
        return settings.TIME_ZONE
    return value if isinstance(value, str) and value else settings.TIME_ZONE


def read(raw: bytes | str) -> dict:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(_("This file is not JSON: %(problem)s") % {"problem": exc}) from None
    return document


def json_schema() -> dict:
    """The JSON Schema of :data:`VERSION` (published as docs/schema/organization-v1.json)."""
    person = {
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "language", "name", "time_zone"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string", "maxLength": 120},
            "language": {"type": "string"},
            "time_zone": {"type": "string", "description": "an IANA name (Europe/Paris)"},
        },
    }
    properties = {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "exported_at": {"type": "string", "format": "date-time"},
        "organization": _root[0].schema,
        "people": {"type": "array", "items": person},
    }
    with translation.override("en"):  # a model's name, when a table has no description
        for part in parts():
            properties[part.key] = part.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A Cercle organization, whole (format cercle-organization, version 1)",
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()
