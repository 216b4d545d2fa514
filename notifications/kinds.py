"""Every kind of notification, declared once: its text, who it concerns, its link.

A row says, for one ``core.notify`` event kind: its label (the preferences
page), whether it asks the person to act (asked-to-act kinds are emailed
immediately by default, the others in the daily digest), its text (a format
string of the event's plain values, translated when shown), the people it
concerns (``audience``, read in the job, never in the request), and the page
it links to. Kinds told by email already (reminders, invitations) have no
audience: ``core.notify.told`` names their recipients.

The actor (``by``) is never told of their own act, and only people of the
subject's organization are ever told (``_members_only``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import Frequency


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    acts: bool
    text: str
    #: (subject, params) -> the ids of the people concerned.
    audience: Callable[[object, dict], list[int]] | None
    #: subject -> the path the notification links to.
    url: Callable[[object], str]
    #: subject -> the organization's id.
    organization: Callable[[object], int | None]
    #: Params holding a date or a date and time (ISO), shown in the reader's format.
    dates: tuple[str, ...] = ()
    #: A reminder (``core.reminders``): its own email at its time, so by default
    #: immediately; daily or weekly puts it in the digest, never keeps it in-app.
    reminder: bool = False

    @property
    def default(self) -> str:
        return Frequency.IMMEDIATELY if self.acts or self.reminder else Frequency.DAILY


# Subjects ------------------------------------------------------------------


def _proposal_url(proposal) -> str:
    return reverse(
        "proposals:detail", kwargs={"org": proposal.circle.organization.slug, "pk": proposal.pk}
    )


def _proposal_org(proposal) -> int:
    return proposal.circle.organization_id


def _election_url(election) -> str:
    return reverse(
        "elections:election", kwargs={"org": election.circle.organization.slug, "pk": election.pk}
    )


def _election_org(election) -> int:
    return election.circle.organization_id


def _meeting_url(meeting) -> str:
    return reverse(
        "realtime:meeting",
        kwargs={"org": meeting.circle.organization.slug, "meeting_id": meeting.pk},
    )


def _decision_url(decision) -> str:
    # The log pages' permalink, by URL name (nothing imports the log pages).
    return reverse(
        "logbook:detail", kwargs={"org": decision.organization.slug, "seq": decision.sequence}
    )


def _assignment_url(assignment) -> str:
    return reverse("elections:new", kwargs={"org": assignment.role.circle.organization.slug})


def _tension_url(tension) -> str:
    return reverse("tensions:detail", kwargs={"org": tension.organization.slug, "pk": tension.pk})


def _relay_url(relay) -> str:
    # The receiving circle's relay inbox, where the carrier presents it.
    return reverse(
        "circles:relays", kwargs={"org": relay.organization.slug, "circle": relay.target.slug}
    )


def _invitation_url(invitation) -> str:
    return ""  # the link with its secret token is in the email only


# Audiences -----------------------------------------------------------------


def _round_speakers(proposal, params) -> list[int]:
    from proposals.models import Round

    round_ = Round.objects.filter(pk=params.get("round")).first()
    return list(round_.speakers) if round_ is not None else []


def _author(proposal, params) -> list[int]:
    return [proposal.author_id]


def _objector(proposal, params) -> list[int]:
    return [params["objector"]] if params.get("objector") else []


def _objectors(proposal, params) -> list[int]:
    from proposals.models import Objection

    return list(
        Objection.objects.filter(proposal=proposal, state=Objection.State.OPEN)
        .values_list("member_id", flat=True)
        .distinct()
    )


def _nominee(election, params) -> list[int]:
    return [params["nominee"]] if params.get("nominee") else []


def _nominees(election, params) -> list[int]:
    return list(
        election.nominations.filter(round=1).values_list("nominee_id", flat=True).distinct()
    )


def _raiser(tension, params) -> list[int]:
    return [tension.raised_by_id]


def _carrier(relay, params) -> list[int]:
    """Who carries it across the link now: the child's delegate up, its leader
    down (none while the role is vacant). The deciding circle is not told."""
    from circles.relays import carrier

    holder = carrier(relay)
    return [holder.pk] if holder is not None else []


def _circle_members(meeting, params) -> list[int]:
    from circles.selectors import current_members

    return list(current_members(meeting.circle).values_list("pk", flat=True))


def _org_id(attribute_path: str):
    def read(subject):
        value = subject
        for part in attribute_path.split("."):
            value = getattr(value, part)
        return value

    return read


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "consent_asked",
            _("Your consent is asked"),
            True,
            _("Your consent is asked on “%(title)s” (%(circle)s)."),
            _round_speakers,
            _proposal_url,
            _proposal_org,
        ),
        Kind(
            "consent_deadline",
            _("A consent deadline is near"),
            True,
            _("Consent on “%(title)s” (%(circle)s) closes on %(deadline)s."),
            None,
            _proposal_url,
            _proposal_org,
            dates=("deadline",),
            reminder=True,
        ),
        Kind(
            "objection_raised",
            _("An objection to my proposal"),
            True,
            _("%(objector)s objects to your proposal “%(title)s”."),
            _author,
            _proposal_url,
            _proposal_org,
        ),
        Kind(
            "objection_integrated",
            _("My objection integrated"),
            False,
            _("Your objection to “%(title)s” was integrated in revision %(revision)s."),
            _objector,
            _proposal_url,
            _proposal_org,
        ),
        Kind(
            "proposal_amended",
            _("A proposal I object to amended"),
            False,
            _("“%(title)s”, which you object to, was amended (revision %(revision)s)."),
            _objectors,
            _proposal_url,
            _proposal_org,
        ),
        Kind(
            "nominated",
            _("Nominated in a selection"),
            False,
            _("You were nominated for %(role)s (%(circle)s)."),
            _nominees,
            _election_url,
            _election_org,
        ),
        Kind(
            "proposed",
            _("Proposed in a selection"),
            True,
            _("You are proposed for %(role)s (%(circle)s): the circle's consent is asked."),
            _nominee,
            _election_url,
            _election_org,
        ),
        Kind(
            "selected",
            _("Selected for a role"),
            False,
            _("You were selected for %(role)s (%(circle)s)."),
            _nominee,
            _election_url,
            _election_org,
        ),
        Kind(
            "meeting_scheduled",
            _("A meeting scheduled in my circles"),
            False,
            _("A meeting of %(circle)s is scheduled: “%(title)s”, %(start)s."),
            _circle_members,
            _meeting_url,
            _org_id("circle.organization_id"),
            dates=("start",),
        ),
        Kind(
            "meeting_moved",
            _("A meeting moved in my circles"),
            False,
            _("A meeting of %(circle)s has moved: “%(title)s”, now %(start)s."),
            _circle_members,
            _meeting_url,
            _org_id("circle.organization_id"),
            dates=("start",),
        ),
        Kind(
            "meeting_cancelled",
            _("A meeting cancelled in my circles"),
            False,
            _("The meeting of %(circle)s “%(title)s” on %(start)s is cancelled."),
            _circle_members,
            _meeting_url,
            _org_id("circle.organization_id"),
            dates=("start",),
        ),
        Kind(
            "term_ending",
            _("A term ending"),
            False,
            _("The term of %(holder)s as %(role)s (%(circle)s) ends on %(term_end)s."),
            None,
            _assignment_url,
            _org_id("role.circle.organization_id"),
            dates=("term_end",),
            reminder=True,
        ),
        Kind(
            "review_due",
            _("A review due"),
            False,
            _("The policy “%(title)s” (%(circle)s) is due for review on %(review_date)s."),
            None,
            _decision_url,
            _org_id("organization_id"),
            dates=("review_date",),
            reminder=True,
        ),
        Kind(
            "tension_forwarded",
            _("My tension forwarded"),
            False,
            _("Your tension “%(title)s” was forwarded from %(origin)s to %(circle)s: %(reason)s"),
            _raiser,
            _tension_url,
            _org_id("organization_id"),
        ),
        Kind(
            "tension_escalated",
            _("My tension moved up"),
            False,
            _(
                "Nobody routed your tension “%(title)s” in %(origin)s within %(days)s days: "
                "it went up to %(circle)s."
            ),
            _raiser,
            _tension_url,
            _org_id("organization_id"),
        ),
        Kind(
            "tension_taken",
            _("My tension taken up"),
            False,
            _("Your tension “%(title)s” was taken up by %(circle)s."),
            _raiser,
            _tension_url,
            _org_id("organization_id"),
        ),
        Kind(
            "tension_answered",
            _("My tension answered"),
            False,
            _("Your tension “%(title)s” was answered by %(circle)s."),
            _raiser,
            _tension_url,
            _org_id("organization_id"),
        ),
        Kind(
            "relay_waiting",
            _("A decision for me to relay"),
            False,
            _(
                "Decision #%(number)s of %(origin)s, “%(title)s”, waits for you to carry it "
                "to %(circle)s."
            ),
            _carrier,
            _relay_url,
            _org_id("organization_id"),
        ),
        Kind(
            "invitation",
            _("An invitation"),
            True,
            _("%(by)s invites you to the circle “%(circle)s” of %(org)s (see the email)."),
            None,
            _invitation_url,
            _org_id("organization_id"),
        ),
    ]
}


def kind_of(name: str) -> Kind | None:
    return KINDS.get(name)


def _show(value: str) -> str:
    """An ISO date or date and time, in the active language and time zone."""
    try:
        if len(value) <= 10:
            return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
        moment = datetime.fromisoformat(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "DATETIME_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def render(kind_name: str, params: dict) -> str:
    """The text of a notification in the active language (a kind since removed: its name)."""
    kind = kind_of(kind_name)
    if kind is None:
        return kind_name
    values = {key: value for key, value in params.items()}
    for key in kind.dates:
        if key in values:
            values[key] = _show(values[key])

    class _Missing(dict):
        def __missing__(self, key):
            return "…"

    return str(kind.text) % _Missing(values)
