"""A selection's round sheets (``core.sheets``): the rounds still to come.

The nominations and the change round list who takes part in seat order
(the members present when a meeting runs it), with the columns the round
fills in; the consent round on the nominee goes in turn with the nominee
last: the open round's own order, or the order it will have once the
proposal on the table opens it (``proposals.rounds.speaker_order``).
"""

from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.sheets import Sheet
from elections import selectors
from elections.models import Election, Nomination
from proposals import rounds

S = Election.State

NOMINATING, CHANGING, CONSENT = "nominations", "change", "consent"

#: The rounds still to come from each state (none once it is closed).
TO_COME = {
    S.SETUP: [NOMINATING, CHANGING, CONSENT],
    S.NOMINATING: [NOMINATING, CHANGING, CONSENT],
    S.NOMINATIONS_SHOWN: [CHANGING, CONSENT],
    S.CHANGING: [CHANGING, CONSENT],
    S.PROPOSING: [CONSENT],
    S.CONSENT: [CONSENT],
}


def _consent_order(election, seated: list[int]) -> tuple[list[int], str]:
    """The consent round's order, and the line that says who speaks last."""
    open_round = selectors.current_round(election)
    if open_round is not None:
        return list(open_round.speakers), ""
    nominee = election.proposed_nominee_id
    if nominee in seated:
        return rounds.speaker_order(seated, last=nominee), ""
    return seated, _("The nominee speaks last: the round starts with the person after them.")


def sheets_of(election, *, context: str = "") -> list[Sheet]:
    """One sheet per round still to come, in the selection's order."""
    kinds = TO_COME.get(election.state, [])
    if not kinds:
        return []
    seated = selectors.participant_ids(election)
    consent_order, consent_note = _consent_order(election, seated)
    role_round = election.role_change_round
    role_order = role_round.speakers if role_round and role_round.closed is None else []
    users = get_user_model().objects.in_bulk(set(seated) | set(consent_order) | set(role_order))

    def people(order):
        return tuple(users[uid] for uid in order if uid in users)

    about = _("%(role)s of %(circle)s") % {
        "role": election.role.name,
        "circle": election.circle.name,
    }
    context = context or election.circle.name
    out = []
    if role_order:
        out.append(
            Sheet(
                round=_("Consent to the change of the role"),
                about=about,
                people=people(role_order),
                columns=(_("Consent or objection"), _("Reason or concern")),
                context=context,
            )
        )
    for kind in kinds:
        if kind == NOMINATING:
            sheet = Sheet(
                round=str(Nomination.Round.NOMINATING.label),
                about=about,
                people=people(seated),
                columns=(_("Nominates"), _("Why")),
                note=_("Each names one person of the circle (themself too) and says why."),
                context=context,
            )
        elif kind == CHANGING:
            sheet = Sheet(
                round=str(Nomination.Round.CHANGE.label),
                about=about,
                people=people(seated),
                columns=(_("Keeps or changes to"), _("Why a change")),
                context=context,
            )
        else:
            note = consent_note
            if election.proposed_nominee_id and not note:
                note = _("Proposal: %(name)s, until %(end)s") % {
                    "name": election.proposed_nominee.name,
                    "end": date_format(election.proposed_term_end, "DATE_FORMAT"),
                }
            sheet = Sheet(
                round=_("Consent round"),
                about=about,
                people=people(consent_order),
                columns=(_("Consent or objection"), _("Reason or concern")),
                note=note,
                context=context,
            )
        out.append(sheet)
    return out
