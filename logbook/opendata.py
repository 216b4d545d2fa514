"""A public organization's structure and decisions as open data.

Two documents at stable addresses, under the licence the organization chose
(``Organization.data_licence``, CC BY-SA 4.0 by default):

- ``popolo.json``: the Popolo shapes (https://www.popoloproject.com/specs/):
  ``organizations`` (the organization and each of its circles, dissolved ones
  with their dissolution date), ``posts`` (the roles), ``persons`` (name only),
  ``memberships`` (circle memberships and role terms, with their dates),
  ``motions`` (the decisions) and ``vote_events`` (how each consent ended: the
  final round's count of consents and objections).
- ``open-data.zip``: the same as CSV files, one per Popolo class, with a
  ``LICENCE.txt``.

A private organization publishes nothing: every address answers 404, as for
an organization that does not exist. No email address, no private note, no
nomination reason leaves the server; a person is a name, as on the public log.

Both documents are built once per state of the log and kept in the site's
cache (:func:`cached`): the key holds the organization's log head (sequence
and hash), which every decision moves, structure and settings included. A
person's new display name is not a decision: it shows within
``CACHE_SECONDS``. A cache that fails is skipped (the document is built).
"""

import csv
import io
import json
import logging
import zipfile

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from circles import selectors as circle_selectors
from core.links import absolute
from decisions.models import Decision

FORMAT = "popolo"

#: How long a built document is kept (its key changes with every decision).
CACHE_SECONDS = 3600

log = logging.getLogger(__name__)


def _date(value):
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value.isoformat()


def _count(record: dict, position: str) -> int:
    return sum(1 for p in record.get("positions") or [] if p.get("position") == position)


def popolo(organization) -> dict:
    """The organization's open data document (Popolo)."""
    history = circle_selectors.structure_history(organization)
    org_id = f"organization-{organization.pk}"
    organizations = [
        {
            "id": org_id,
            "name": organization.name,
            "classification": "organization",
            "identifiers": [{"scheme": "cercle-slug", "identifier": organization.slug}],
            "founding_date": _date(organization.created),
        }
    ]
    for circle in history["circles"]:
        organizations.append(
            {
                "id": f"circle-{circle.pk}",
                "name": circle.name,
                "classification": "circle",
                "parent_id": f"circle-{circle.parent_id}" if circle.parent_id else org_id,
                "identifiers": [{"scheme": "cercle-slug", "identifier": circle.slug}],
                "description": circle.aim,
                "founding_date": _date(circle.created),
                "dissolution_date": _date(circle.dissolved),
            }
        )
    posts = [
        {
            "id": f"role-{role.pk}",
            "label": role.name,
            "role": role.kind,
            "organization_id": f"circle-{role.circle_id}",
        }
        for role in history["roles"]
    ]
    persons: dict[int, dict] = {}
    memberships = []
    for membership in history["memberships"]:
        persons[membership.user_id] = {"id": f"person-{membership.user_id}"}
        persons[membership.user_id]["name"] = membership.user.name
        memberships.append(
            {
                "id": f"membership-{membership.pk}",
                "person_id": f"person-{membership.user_id}",
                "organization_id": f"circle-{membership.circle_id}",
                "role": "member",
                "start_date": _date(membership.joined),
                "end_date": _date(membership.left),
            }
        )
    roles = {role.pk: role for role in history["roles"]}
    for assignment in history["assignments"]:
        persons[assignment.user_id] = {
            "id": f"person-{assignment.user_id}",
            "name": assignment.user.name,
        }
        role = roles[assignment.role_id]
        memberships.append(
            {
                "id": f"term-{assignment.pk}",
                "person_id": f"person-{assignment.user_id}",
                "organization_id": f"circle-{role.circle_id}",
                "post_id": f"role-{role.pk}",
                "role": role.kind,
                "start_date": _date(assignment.term_start),
                "end_date": _date(assignment.ended) or _date(assignment.term_end),
            }
        )
    motions, vote_events = [], []
    decisions = (
        Decision.objects.filter(organization=organization)
        .select_related("circle", "supersedes")
        .order_by("sequence")
    )
    for decision in decisions:
        motion_id = f"decision-{decision.sequence}"
        url = absolute(decision.get_absolute_url())
        motions.append(
            {
                "id": motion_id,
                "identifier": str(decision.sequence),
                "organization_id": f"circle-{decision.circle_id}" if decision.circle_id else org_id,
                "classification": decision.kind,
                "text": decision.title,
                "body": decision.body,
                "date": decision.decided_at.isoformat(),
                "result": "adopted",
                "review_date": _date(decision.review_date),
                "supersedes": (
                    f"decision-{decision.supersedes.sequence}" if decision.supersedes_id else None
                ),
                "hash": decision.hash,
                "sources": [{"url": url}],
            }
        )
        record = decision.record or {}
        if record.get("positions"):
            vote_events.append(
                {
                    "id": f"consent-{decision.sequence}",
                    "motion_id": motion_id,
                    "organization_id": motions[-1]["organization_id"],
                    "start_date": decision.decided_at.isoformat(),
                    "result": "pass",
                    "counts": [
                        {"option": "consent", "value": _count(record, "consent")},
                        {"option": "object", "value": _count(record, "object")},
                    ],
                }
            )
    return {
        "meta": {
            "format": FORMAT,
            "generator": "Cercle",
            "generated": timezone.now().isoformat(),
            "licence": circle_selectors.data_licence(organization),
            "source": absolute(reverse("opendata:page", kwargs={"org": organization.slug})),
        },
        "organizations": organizations,
        "posts": posts,
        "persons": sorted(persons.values(), key=lambda p: p["id"]),
        "memberships": memberships,
        "motions": motions,
        "vote_events": vote_events,
    }


# The CSV files of the zip: one per Popolo class, these columns in this order.
CSV_TABLES = {
    "organizations": [
        "id",
        "name",
        "classification",
        "parent_id",
        "description",
        "founding_date",
        "dissolution_date",
    ],
    "posts": ["id", "label", "role", "organization_id"],
    "persons": ["id", "name"],
    "memberships": [
        "id",
        "person_id",
        "organization_id",
        "post_id",
        "role",
        "start_date",
        "end_date",
    ],
    "motions": [
        "id",
        "identifier",
        "organization_id",
        "classification",
        "text",
        "date",
        "result",
        "review_date",
        "supersedes",
        "hash",
    ],
    "vote_events": [
        "id",
        "motion_id",
        "organization_id",
        "start_date",
        "result",
        "consent",
        "object",
    ],
}


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def zip_bytes(organization) -> bytes:
    document = popolo(organization)
    for event in document["vote_events"]:
        for count in event["counts"]:
            event[count["option"]] = count["value"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns in CSV_TABLES.items():
            text = io.StringIO()
            writer = csv.writer(text, quoting=csv.QUOTE_ALL)
            writer.writerow(columns)
            for row in document[table]:
                writer.writerow([_csv_cell(row.get(column)) for column in columns])
            archive.writestr(f"{table}.csv", text.getvalue())
        licence = document["meta"]["licence"]
        archive.writestr(
            "LICENCE.txt",
            f"{organization.name}: {licence['name']} ({licence['id']})\n{licence['url']}\n"
            f"{document['meta']['source']}\n",
        )
    return buffer.getvalue()


def popolo_bytes(organization) -> bytes:
    return json.dumps(popolo(organization), cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def cache_key(organization, kind: str) -> str:
    """Per organization, document and state of its log (and what the URLs and
    the licence say, though changing them is a decision too)."""
    from logbook.selectors import log_head

    sequence, head_hash = log_head(organization)
    return (
        f"opendata:{kind}:{organization.pk}:{sequence}:{head_hash}:"
        f"{organization.slug}:{organization.data_licence}"
    )


def cached(organization, kind: str, build) -> bytes:
    """``build(organization)``, or the bytes it gave for this state of the log."""
    key = cache_key(organization, kind)
    try:
        found = cache.get(key)
    except Exception:  # a cache that fails must not take the open data down
        log.warning("open data cache read failed", exc_info=True)
        found = None
    if found is not None:
        return found
    value = build(organization)
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        log.warning("open data cache write failed", exc_info=True)
    return value


# Views -------------------------------------------------------------------------


def _public(org: str):
    from logbook.selectors import organization_or_none

    organization = organization_or_none(org)
    if organization is None or not organization.public_log:
        raise Http404(_("This organization publishes no open data."))
    return organization


@require_safe
def page(request, org: str):
    organization = _public(org)
    return render(
        request,
        "logbook/open_data.html",
        {"organization": organization, "licence": circle_selectors.data_licence(organization)},
    )


@require_safe
def popolo_view(request, org: str):
    organization = _public(org)
    response = HttpResponse(
        cached(organization, "popolo", popolo_bytes), content_type="application/json"
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    response["Link"] = f'<{circle_selectors.data_licence(organization)["url"]}>; rel="license"'
    return response


@require_safe
def zip_view(request, org: str):
    organization = _public(org)
    response = HttpResponse(cached(organization, "zip", zip_bytes), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{organization.slug}-open-data.zip"'
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{circle_selectors.data_licence(organization)["url"]}>; rel="license"'
    return response


app_name = "opendata"
urlpatterns = [
    path("", page, name="page"),
    path("popolo.json", popolo_view, name="popolo"),
    path("open-data.zip", zip_view, name="zip"),
]
