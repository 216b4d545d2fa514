"""Reads of selections, with the visibility rules.

Hidden nominations: until the facilitator shows them, a nomination is
visible to its author only. Every reader — page, fragment, API, record —
goes through ``visible_nominations`` or ``grid``, which enforce it.
"""

from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.records import person
from circles import selectors as circle_selectors
from elections.models import Election, Nomination
from proposals import rounds
from proposals.models import Response, Round


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def participant_ids(election) -> list[int]:
    """Who takes part, in the order they sit around the circle: the circle's
    current members, or the members present when an open meeting runs the
    election (``circles.selectors.participants_of``, the one seat order)."""
    return circle_selectors.participants_of(election)


def participants_for(election) -> list:
    ids = participant_ids(election)
    users = get_user_model().objects.in_bulk(ids)
    return [users[i] for i in ids if i in users]


def people_of(election, round_: Round | None = None) -> list:
    """Everyone a selection's record may name: participants, nominators,
    nominees, speakers."""
    ids = set(participant_ids(election))
    for a, b in Nomination.objects.filter(election=election).values_list(
        "nominator_id", "nominee_id"
    ):
        ids.update((a, b))
    for round_row in rounds.rounds_of(election):
        ids.update(round_row.speakers)
        ids.update(round_row.responses.values_list("member_id", flat=True))
    if election.proposed_nominee_id:
        ids.add(election.proposed_nominee_id)
    return list(get_user_model().objects.filter(pk__in=ids))


def can_read(user, election) -> bool:
    return circle_selectors.can_read_organization(user, election.circle.organization)


def election_or_none(organization, pk: int) -> Election | None:
    return (
        Election.objects.filter(pk=pk, circle__organization=organization)
        .select_related(
            "circle",
            "circle__organization",
            "circle__parent",
            "role",
            "facilitator",
            "proposed_nominee",
            "decision",
            "assignment",
        )
        .first()
    )


def elections_of(organization, *, circle=None, open_only: bool = False) -> QuerySet[Election]:
    qs = Election.objects.filter(circle__organization=organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    if open_only:
        qs = qs.exclude(state__in=Election.CLOSED_STATES)
    return qs.select_related("circle", "role").order_by("-created")


def visible_nominations(election, viewer) -> list[Nomination]:
    """The nominations ``viewer`` may see: all once shown; before, their own only."""
    qs = Nomination.objects.filter(election=election).select_related(
        "nominator", "nominee", "recorded_by"
    )
    if election.nominations_shown is None:
        if not _authenticated(viewer):
            return []
        qs = qs.filter(nominator=viewer)
    return list(qs.order_by("round", "created", "pk"))


def my_nomination(election, viewer, round_number: int) -> Nomination | None:
    if not _authenticated(viewer):
        return None
    return (
        Nomination.objects.filter(election=election, round=round_number, nominator=viewer)
        .select_related("nominee")
        .first()
    )


def nominators(election, round_number: int = 1) -> list[dict]:
    """Who takes part and whether they have nominated in ``round_number``, in
    seat order: a tick per person (UX.md, progress without revealing), never
    whom they named. The same for every viewer: the room's shared part shows
    it, and the facilitator's "show the nominations" names who is missing."""
    ids = participant_ids(election)
    users = get_user_model().objects.in_bulk(ids)
    done = set(
        Nomination.objects.filter(election=election, round=round_number).values_list(
            "nominator_id", flat=True
        )
    )
    return [{"user": users[i], "done": i in done} for i in ids if i in users]


def my_position(election, viewer) -> Response | None:
    """The viewer's current answer in the open consent round on a nominee."""
    round_ = current_round(election)
    if round_ is None or not _authenticated(viewer):
        return None
    return (
        Response.objects.filter(
            round=round_, member=viewer, replaced__isnull=True, is_position=True
        )
        .order_by("-created")
        .first()
    )


def nominators_now(election) -> list[dict]:
    """The nominators' ticks for the step the selection is in (none outside
    the nomination and change rounds)."""
    if election.state == Election.State.NOMINATING:
        return nominators(election, 1)
    if election.state == Election.State.CHANGING:
        return nominators(election, 2)
    return []


def yet_to_act(election, step: str) -> list:
    """Who may still take their own ``step`` (``nominate``,
    ``change_nomination``, ``answer``, ``answer_role_change``), in seat order:
    the members a recorder may record for. In an in-turn round, the current
    speaker only; in a reveal round, who has not answered. Never what anyone
    chose."""
    if step in ("nominate", "change_nomination"):
        number = 1 if step == "nominate" else 2
        return [n["user"] for n in nominators(election, number) if not n["done"]]
    round_ = current_round(election) if step == "answer" else election.role_change_round
    if round_ is None or round_.closed is not None:
        return []
    users = get_user_model().objects.in_bulk(round_.speakers)
    if round_.mode == Round.Mode.IN_TURN:
        current = round_.current_speaker_id
        return [users[current]] if current in users else []
    answered = rounds.answered_ids(round_)
    return [users[uid] for uid in round_.speakers if uid in users and uid not in answered]


def nomination_progress(election) -> tuple[int, int]:
    """(nominated, expected) for round 1: the count only, never whom."""
    expected = len(participant_ids(election))
    done = Nomination.objects.filter(election=election, round=1).count()
    return done, expected


def change_progress(election) -> tuple[int, int]:
    expected = len(participant_ids(election))
    done = Nomination.objects.filter(election=election, round=2).count()
    return done, expected


def grid(election, viewer=None) -> dict | None:
    """Who nominated whom and why, both rounds side by side, and the count per
    nominee; None until the nominations are shown (whoever asks)."""
    if election.nominations_shown is None:
        return None
    nominations = visible_nominations(election, viewer)
    first = {n.nominator_id: n for n in nominations if n.round == 1}
    second = {n.nominator_id: n for n in nominations if n.round == 2}
    order = {uid: i for i, uid in enumerate(participant_ids(election))}
    nominator_ids = sorted(set(first) | set(second), key=lambda uid: (order.get(uid, 1e9), uid))
    rows = []
    for uid in nominator_ids:
        one, two = first.get(uid), second.get(uid)
        nominator = (one or two).nominator
        changed = two is not None and (one is None or two.nominee_id != one.nominee_id)
        rows.append(
            {
                "nominator": nominator,
                "first": one,
                "second": two,
                "changed": changed,
                "final_nominee": (two or one).nominee,
            }
        )
    people = {}
    for n in nominations:
        people[n.nominee_id] = n.nominee
    first_counts = Counter(n.nominee_id for n in first.values())
    final_counts = Counter(row["final_nominee"].pk for row in rows)
    counts = sorted(
        (
            {
                "nominee": people[uid],
                "first": first_counts.get(uid, 0),
                "final": final_counts.get(uid, 0),
            }
            for uid in set(first_counts) | set(final_counts)
        ),
        key=lambda c: (-c["final"], -c["first"], c["nominee"].name),
    )
    return {"rows": rows, "counts": counts}


def grid_record(election) -> list[dict]:
    """The grid as docs/RECORDS.md ``selection`` stores it (read once shown)."""
    table = grid(election)
    if table is None:
        return []

    out = []
    for row in table["rows"]:
        one, two = row["first"], row["second"]
        out.append(
            {
                "nominator": person(row["nominator"]),
                "nominee": person(one.nominee) if one else None,
                "reason": one.reason if one else "",
                "changed_to": person(two.nominee) if row["changed"] else None,
                "change_reason": two.reason if row["changed"] else "",
                # Who recorded a nomination or a change-round choice for a
                # member without a device (absent when they made it themself).
                **({"recorded_by": person(one.recorded_by)} if one and one.recorded_by_id else {}),
                **(
                    {"change_recorded_by": person(two.recorded_by)}
                    if two and two.recorded_by_id
                    else {}
                ),
            }
        )
    return out


def role_round_ids(election) -> set[int]:
    """The rounds opened on a change of the role (not on a nominee)."""
    return {
        e.data.get("round")
        for e in election.events.filter(action="review_role")
        if e.data.get("round") is not None
    } | ({election.role_change_round_id} if election.role_change_round_id else set())


def consent_rounds(election) -> list[Round]:
    """The consent rounds on a proposed nominee, oldest first."""
    return list(
        rounds.rounds_of(election)
        .filter(kind=Round.Kind.CONSENT)
        .exclude(pk__in=role_round_ids(election))
        .order_by("pk")
    )


def current_round(election) -> Round | None:
    """The open consent round on a proposed nominee (not on a role change)."""
    round_ = rounds.open_round_of(election)
    if round_ is None or round_.pk in role_round_ids(election):
        return None
    return round_


def role_change_view(election, viewer) -> dict | None:
    """The change of the role on the table (before → after) and its last
    round as ``viewer`` may see it; None when there is nothing to show."""
    if election.role_change is None:
        return None
    changes = election.role_change.get("changes", {})
    return {
        "reason": election.role_change.get("reason", ""),
        "by": election.role_change_by,
        "accountabilities": changes.get("accountabilities"),
        "qualifications": changes.get("qualifications"),
        "default_term_months": changes.get("default_term_months"),
        "term": changes.get("term"),
        "round": round_view(election.role_change_round, viewer),
    }


def round_view(round_: Round | None, viewer) -> dict | None:
    """What a viewer may see of a consent round: order, whose turn, positions."""
    if round_ is None:
        return None
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=round_.speakers)}
    visible = {r.member_id: r for r in rounds.visible_responses(round_, viewer) if r.is_position}
    answered = rounds.answered_ids(round_)
    speakers = [
        {
            "user": users.get(uid),
            "response": visible.get(uid),
            "answered": uid in answered,
            "current": uid == round_.current_speaker_id,
        }
        for uid in round_.speakers
    ]
    done, expected = rounds.progress(round_)
    current = users.get(round_.current_speaker_id) if round_.current_speaker_id else None
    return {
        "round": round_,
        "speakers": speakers,
        "current": current,
        "done": done,
        "expected": expected,
        "has_objection": any(r.kind == "object" for r in visible.values() if round_.closed is None),
    }


def proposal_history(election) -> list:
    return list(election.events.filter(action="propose").select_related("by").order_by("at", "pk"))


def events_of(election) -> list:
    return list(election.events.select_related("by").order_by("at", "pk"))


def roles_open_to(user, organization) -> list:
    """Roles ``user`` may open a selection for: those of circles they
    facilitate, except a child circle's leader (appointed by the parent)."""
    from circles.models import Role

    roles = (
        Role.objects.filter(circle__organization=organization, circle__dissolved__isnull=True)
        .exclude(shared=True)
        .select_related("circle", "circle__organization")
        .order_by("circle__name", "kind", "name")
    )
    return [
        r
        for r in roles
        if not (r.kind == Role.Kind.LEADER and r.circle.parent_id is not None)
        and circle_selectors.can_facilitate(user, r.circle)
    ]
