"""The consent process's part of an organization's export (``core.portable``):
proposals with their revisions, events and objections, and every round with
its answers, the selections' rounds included (a round's subject is a proposal
or a selection, written as ``app_label.model`` and its position).

An answer that nobody but its author may see yet (an open reveal round,
``rounds.hides_answers``) stays out, with anything that hangs on it: once
imported, that round waits for those answers again. A round's speaking order
names people by email. A proposal's creation key (idempotency) stays out.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext as _

from circles.portable import CHANGE
from core import portable
from core.portable import Refused, Table
from proposals import rounds
from proposals.models import (
    ConsentReminder,
    Objection,
    Proposal,
    ProposalEvent,
    Response,
    Revision,
    Round,
)


def _dump_speakers(value, refs):
    return [refs.email(user_id) for user_id in value or []]


def _load_speakers(value, refs):
    if not isinstance(value, list):
        raise Refused(_("A round's speakers are not a list."))
    return [refs.user_id(email) for email in value]


def rounds_of(organization):
    """The rounds of the organization's proposals and selections (a round's
    subject is any process of a circle: ``proposals`` does not import
    ``elections``, which sits to its right)."""
    subjects = Q(pk__in=[])
    for type_id in Round.objects.order_by().values_list("subject_type", flat=True).distinct():
        model = ContentType.objects.get_for_id(type_id).model_class()
        # A process of a circle, or a meeting's own item (the frame's rounds).
        path = "circle" if _has(model, "circle") else "meeting__circle"
        subjects |= Q(
            subject_type_id=type_id,
            subject_id__in=model.objects.filter(**{f"{path}__organization": organization}).values(
                "pk"
            ),
        )
    return Round.objects.filter(subjects).order_by("pk")


def _has(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def responses_of(organization):
    hidden = [
        r.pk for r in rounds_of(organization).filter(closed__isnull=True) if rounds.hides_answers(r)
    ]
    return (
        Response.objects.filter(round__in=rounds_of(organization))
        .exclude(round__in=hidden)
        .order_by("pk")
    )


def register() -> None:
    for table in (
        Table(
            "proposals.proposal",
            Proposal,
            rows=portable.rows_of(Proposal, "circle__organization"),
            order=40,
            leave_out=("creation_key",),
            translate={"change": CHANGE},
        ),
        Table(
            "proposals.revision",
            Revision,
            rows=portable.rows_of(Revision, "proposal__circle__organization"),
            order=41,
        ),
        Table(
            "proposals.round",
            Round,
            rows=rounds_of,
            order=50,
            translate={
                "speakers": (
                    _dump_speakers,
                    _load_speakers,
                    {"type": "array", "items": {"type": "string", "format": "email"}},
                )
            },
            description="Rounds of proposals and selections",
        ),
        Table(
            "proposals.response",
            Response,
            rows=responses_of,
            order=51,
            description="Answers in rounds (none an open reveal round still hides)",
        ),
        Table(
            "proposals.objection",
            Objection,
            rows=portable.rows_of(Objection, "proposal__circle__organization"),
            order=52,
        ),
        Table(
            "proposals.proposalevent",
            ProposalEvent,
            rows=portable.rows_of(ProposalEvent, "proposal__circle__organization"),
            order=53,
        ),
        Table(
            "proposals.consentreminder",
            ConsentReminder,
            rows=portable.rows_of(ConsentReminder, "proposal__circle__organization"),
            order=54,
            description="Consent reminders sent (each is sent once)",
        ),
    ):
        portable.register(table)
