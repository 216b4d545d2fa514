"""Corrections: a decision is superseded by a new entry, never edited.

This is the reading side of the log (it may ask ``circles.selectors`` who may
act); the new entry is written by ``record_decision`` like every other.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from circles import selectors as circle_selectors
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from core.idempotency import created_before, remember_created
from decisions.models import Decision
from decisions.services import MAX_BODY, MAX_TITLE, record_decision

MAX_REASON = 2000


def can_supersede(user, decision) -> bool:
    """A circle's facilitator or leader (for its decisions), or an organization admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    if circle_selectors.is_org_admin(user, decision.organization):
        return True
    return decision.circle is not None and circle_selectors.can_facilitate(user, decision.circle)


@transaction.atomic
def supersede(
    *,
    decision: Decision,
    by,
    reason: str,
    title: str = "",
    body: str | None = None,
    review_date: date | None = None,
    term_end: date | None = None,
    key=None,
) -> Decision:
    """Record a new entry that replaces ``decision``, with the reason.

    The old entry stays as it was; the log pages show it as superseded and
    link to the new one. An entry is superseded once: a later correction
    supersedes the correction. A retry with the same ``key`` answers with the
    entry the first call recorded.
    """
    earlier = created_before(key=key, user=by, model=Decision)
    if earlier is not None:
        return earlier
    # The lock queues two corrections of the same entry, so only one wins.
    old = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("organization", "circle")
        .filter(pk=decision.pk)
        .first()
    )
    if old is None:
        raise NotFound(_("There is no such decision."))
    if not can_supersede(by, old):
        raise NotAllowed(
            _(
                "Only the circle's facilitator or leader, or an administrator, "
                "may correct a decision."
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why this decision is superseded."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid(
            _("A reason has at most %(n)d characters.") % {"n": MAX_REASON}, field="reason"
        )
    title = (title or "").strip() or _("Correction of #%(seq)d: %(title)s") % {
        "seq": old.sequence,
        "title": old.title,
    }
    title = title[:MAX_TITLE]
    body = old.body if body is None else body
    if len(body) > MAX_BODY:
        raise Invalid(_("The text is too long."), field="body")
    if Decision.objects.filter(supersedes=old).exists():
        raise Conflict(_("This decision is already superseded; correct the newer entry instead."))
    new = record_decision(
        organization=old.organization,
        kind=old.kind,
        title=title,
        body=body,
        circle=old.circle,
        supersedes=old,
        review_date=review_date if review_date is not None else old.review_date,
        term_end=term_end if term_end is not None else old.term_end,
        record={
            "action": "decision_superseded",
            "by": {"id": by.pk, "name": by.name},
            "reason": reason,
            "supersedes": old.sequence,
        },
    )
    remember_created(key=key, user=by, row=new)
    return new
