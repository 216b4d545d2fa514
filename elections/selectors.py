"""Reads of selections, with the visibility rules.

Hidden nominations: until the facilitator shows them, a nomination is
visible to its author only. Every reader — page, fragment, API, record —
goes through ``visible_nominations`` or ``grid``, which enforce it.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.records import person
from circles import selectors as circle_selectors
from core.participation import Session, reading, session_of
from core.queries import in_order, one_or_none
from elections.models import Election, ElectionEvent, Nomination
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


#: What a selection's page and room fragment show of its relations, read
#: with it (one query).
RELATED = (
    "circle",
    "circle__organization",
    "role",
    "facilitator",
    "proposed_nominee",
    "decision",
    "assignment",
    "role_change_by",
    "role_change_round",
)


def election_or_none(organization, pk: int) -> Election | None:
    return (
        Election.objects.filter(pk=pk, circle__organization=organization)
        .select_related(*RELATED)
        .first()
    )


def readable_election_or_none(user, org_slug: str, pk: int, *, related=RELATED) -> Election | None:
    """The selection ``pk`` of the organization ``org_slug`` if ``user`` may
    read it, else None: one query for the selection, its ``related`` and
    whether the viewer reads its organization (``circles.selectors.read_in``)."""
    return one_or_none(
        circle_selectors.read_in(
            Election.objects.filter(pk=pk).select_related(*related), user, org_slug
        )
    )


def with_relations(election) -> Election:
    """``election`` with what its page and fragment show of its relations
    (``RELATED``): itself when they are read already, else read again with
    those it lacks in one query (an agenda item's selection comes with the
    meeting's circle and organization only); a relation it does not have (no
    decision yet) is not joined."""
    missing = [path for path in RELATED if not _cached(election, path)]
    if not missing:
        return election
    lacking = {path.split("__")[0] for path in missing}
    fresh = Election.objects.select_related(
        *[p for p in missing if getattr(election, p.split("__")[0] + "_id") is not None]
    ).get(pk=election.pk)
    for name in {path.split("__")[0] for path in RELATED} - lacking:
        setattr(fresh, name, getattr(election, name))  # the same row: its id did not change
    return fresh


def _cached(instance, path: str) -> bool:
    for name in path.split("__"):
        if instance is None:
            return True
        field = instance._meta.get_field(name)
        if not field.is_cached(instance):
            return False
        instance = getattr(instance, name)
    return True


def elections_of(organization, *, circle=None, open_only: bool = False) -> QuerySet[Election]:
    qs = Election.objects.filter(circle__organization=organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    if open_only:
        qs = qs.exclude(state__in=Election.CLOSED_STATES)
    return qs.select_related("circle", "role").order_by("-created")


def _visible_among(election, nominations, viewer) -> list[Nomination]:
    """Of ``nominations`` (of ``election``), what ``viewer`` may see: all once
    shown; before, their own only. The one rule, for every reader."""
    if election.nominations_shown is not None:
        return list(nominations)
    if not _authenticated(viewer):
        return []
    return [n for n in nominations if n.nominator_id == viewer.pk]


def _nominations(election) -> QuerySet[Nomination]:
    return (
        Nomination.objects.filter(election=election)
        .select_related("nominator", "nominee", "recorded_by")
        .order_by("round", "created", "pk")
    )


def visible_nominations(election, viewer) -> list[Nomination]:
    """The nominations ``viewer`` may see: all once shown; before, their own only."""
    qs = _nominations(election)
    if election.nominations_shown is None:
        if not _authenticated(viewer):
            return []
        qs = qs.filter(nominator=viewer)
    return _visible_among(election, qs, viewer)


def my_nomination(election, viewer, round_number: int) -> Nomination | None:
    if not _authenticated(viewer):
        return None
    return (
        Nomination.objects.filter(election=election, round=round_number, nominator=viewer)
        .select_related("nominee")
        .first()
    )


def _ticks(ids, users, done) -> list[dict]:
    return [{"user": users[i], "done": i in done} for i in ids if i in users]


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
    return _ticks(ids, users, done)


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


def _round_number(election) -> int | None:
    """The nomination round the selection is in (1, or 2 for the change round), or None."""
    return {Election.State.NOMINATING: 1, Election.State.CHANGING: 2}.get(election.state)


def nominators_now(election) -> list[dict]:
    """The nominators' ticks for the step the selection is in (none outside
    the nomination and change rounds)."""
    number = _round_number(election)
    return nominators(election, number) if number is not None else []


def _users(ids, known: dict) -> dict:
    """The users ``ids`` from ``known``, reading only those it lacks."""
    missing = [i for i in ids if i not in known]
    if not missing:
        return known
    return {**known, **get_user_model().objects.in_bulk(missing)}


def _yet_to_speak(round_, users: dict, answered: set[int]) -> list:
    """Who may still answer ``round_`` (an open consent round): in turn, the
    current speaker only; in a reveal round, who has not answered."""
    if round_ is None or round_.closed is not None:
        return []
    users = _users(round_.speakers, users)
    if round_.mode == Round.Mode.IN_TURN:
        current = round_.current_speaker_id
        return [users[current]] if current in users else []
    return [users[uid] for uid in round_.speakers if uid in users and uid not in answered]


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
    answered = rounds.answered_ids(round_) if round_.mode != Round.Mode.IN_TURN else set()
    return _yet_to_speak(round_, {}, answered)


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
    return _grid(visible_nominations(election, viewer), participant_ids(election))


def _grid(nominations, seat_ids) -> dict:
    first = {n.nominator_id: n for n in nominations if n.round == 1}
    second = {n.nominator_id: n for n in nominations if n.round == 2}
    order = {uid: i for i, uid in enumerate(seat_ids)}
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


def _role_round_ids(election, review_events) -> set[int]:
    return {e.data.get("round") for e in review_events if e.data.get("round") is not None} | (
        {election.role_change_round_id} if election.role_change_round_id else set()
    )


def role_round_ids(election) -> set[int]:
    """The rounds opened on a change of the role (not on a nominee)."""
    return _role_round_ids(election, election.events.filter(action="review_role"))


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


def _role_change_view(election, round_view_of) -> dict | None:
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
        "round": round_view_of(),
    }


def role_change_view(election, viewer) -> dict | None:
    """The change of the role on the table (before → after) and its last
    round as ``viewer`` may see it; None when there is nothing to show."""
    return _role_change_view(election, lambda: round_view(election.role_change_round, viewer))


def round_view(round_: Round | None, viewer, *, users=None, responses=None) -> dict | None:
    """What a viewer may see of a consent round: order, whose turn, positions.
    ``users`` (by id) and ``responses`` (its current answers) when already read."""
    if round_ is None:
        return None
    users = _users(round_.speakers, users or {})
    if responses is None:
        responses = list(rounds.current_responses(round_))
    visible = {
        r.member_id: r for r in rounds.visible_among(round_, responses, viewer) if r.is_position
    }
    answered = rounds.answered_among(round_, responses)
    speakers = [
        {
            "user": users.get(uid),
            "response": visible.get(uid),
            "answered": uid in answered,
            "current": uid == round_.current_speaker_id,
        }
        for uid in round_.speakers
    ]
    done, expected = rounds.progress_among(round_, responses)
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


# The whole process, read once ------------------------------------------------------


@dataclass
class Process:
    """A selection as its section and its room fragment show it, read once
    (:func:`process`): the meeting's session, the participants, every
    nomination, the rounds, and the history when first asked (each round's
    answers too: :meth:`responses`). The page, its htmx answers, the
    room's viewer part and the room's shared part derive what they show from
    it.

    ``nominations`` holds every nomination, hidden ones too (the viewer's part
    needs their own): read them only through :meth:`visible`, :meth:`mine` and
    :meth:`grid`, which apply the rule; the shared part takes only what is the
    same for everyone (ticks, counts, the grid once shown)."""

    election: Election
    session: Session | None
    participant_ids: list[int]
    users: dict
    nominations: list[Nomination]
    rounds: list[Round]
    #: The current answers of each round asked for (:meth:`responses`), by round id.
    answers: dict = field(default_factory=dict, repr=False)

    @cached_property
    def people(self) -> list:
        """The participants, in seat order (the forms' choices)."""
        return [self.users[i] for i in self.participant_ids if i in self.users]

    @cached_property
    def role_round_ids(self) -> set[int]:
        if not self.rounds:  # no round yet: the history need not be read for it
            return set()
        return _role_round_ids(self.election, [e for e in self.events if e.action == "review_role"])

    @cached_property
    def events(self) -> list[ElectionEvent]:
        """The history, oldest first, read when first asked (the room's
        parts do not show it), its people from the participants' read."""
        history = list(self.election.events.order_by("at", "pk"))
        users = _users({e.by_id for e in history}, self.users)
        for e in history:
            e.by = users.get(e.by_id)
        return history

    @cached_property
    def consent_rounds(self) -> list[Round]:
        return sorted(
            (
                r
                for r in self.rounds
                if r.kind == Round.Kind.CONSENT and r.pk not in self.role_round_ids
            ),
            key=lambda r: r.pk,
        )

    @cached_property
    def open_round(self) -> Round | None:
        """The one open round on the selection (a nominee's or a change's)."""
        return next((r for r in self.rounds if r.closed is None), None)

    @cached_property
    def current_round(self) -> Round | None:
        round_ = self.open_round
        return round_ if round_ is not None and round_.pk not in self.role_round_ids else None

    @cached_property
    def role_change_round(self) -> Round | None:
        pk = self.election.role_change_round_id
        return next((r for r in self.rounds if r.pk == pk), None) if pk else None

    @cached_property
    def shown_round(self) -> Round | None:
        """The round the section shows: the open one, else the last."""
        return self.current_round or (self.consent_rounds[-1] if self.consent_rounds else None)

    def responses(self, round_: Round) -> list[Response]:
        """The current answers of ``round_``, whoever may see them (one query a round)."""
        if round_.pk not in self.answers:
            self.answers[round_.pk] = list(rounds.current_responses(round_))
        return self.answers[round_.pk]

    def round_view(self, round_: Round | None, viewer) -> dict | None:
        if round_ is None:
            return None
        return round_view(round_, viewer, users=self.users, responses=self.responses(round_))

    def role_change_view(self, viewer) -> dict | None:
        return _role_change_view(
            self.election, lambda: self.round_view(self.role_change_round, viewer)
        )

    def round_progress(self) -> dict:
        """The open round (a nominee's or a change's) as the room counts it:
        whose turn, who answered (never what); ``proposals.room.round_context``."""
        round_ = self.open_round
        if round_ is None:
            return {"round": None}
        users = _users(round_.speakers, self.users)
        answered = rounds.answered_among(round_, self.responses(round_))
        return rounds.speaker_board(round_, users, answered)

    def progress(self, round_number: int) -> tuple[int, int]:
        """(nominated, expected) in ``round_number``: the count only, never whom."""
        done = sum(1 for n in self.nominations if n.round == round_number)
        return done, len(self.participant_ids)

    def nominators(self, round_number: int) -> list[dict]:
        done = {n.nominator_id for n in self.nominations if n.round == round_number}
        return _ticks(self.participant_ids, self.users, done)

    def nominators_now(self) -> list[dict]:
        number = _round_number(self.election)
        return self.nominators(number) if number is not None else []

    def visible(self, viewer) -> list[Nomination]:
        return _visible_among(self.election, self.nominations, viewer)

    def mine(self, viewer, round_number: int) -> Nomination | None:
        if not _authenticated(viewer):
            return None
        return next(
            (
                n
                for n in self.nominations
                if n.round == round_number and n.nominator_id == viewer.pk
            ),
            None,
        )

    def grid(self, viewer=None) -> dict | None:
        if self.election.nominations_shown is None:
            return None
        return _grid(self.visible(viewer), self.participant_ids)

    def my_position(self, viewer) -> Response | None:
        round_ = self.current_round
        if round_ is None or not _authenticated(viewer):
            return None
        mine = [r for r in self.responses(round_) if r.member_id == viewer.pk and r.is_position]
        return max(mine, key=lambda r: (r.created, r.pk)) if mine else None

    def yet_to_act(self, step: str) -> list:
        if step in ("nominate", "change_nomination"):
            number = 1 if step == "nominate" else 2
            return [n["user"] for n in self.nominators(number) if not n["done"]]
        round_ = self.current_round if step == "answer" else self.role_change_round
        if round_ is None or round_.closed is not None:
            return []
        answered = rounds.answered_among(round_, self.responses(round_))
        return _yet_to_speak(round_, self.users, answered)

    def proposal_history(self) -> list:
        return [e for e in self.events if e.action == "propose"]


def process(election) -> Process:
    """Read a selection once for its section or fragment: the session, the
    participants, the nominations and the rounds (the meeting's session is
    read once however often the block asks for it; the history when first
    asked). The people the nominations name come from the participants'
    read, and anyone else in one more query."""
    with reading():
        ids = participant_ids(election)
        users = get_user_model().objects.in_bulk(ids)
        nominations = in_order(
            Nomination.objects.filter(election=election), "round", "created", "pk"
        )
        named = _users(
            {
                uid
                for n in nominations
                for uid in (n.nominator_id, n.nominee_id, n.recorded_by_id)
                if uid is not None
            },
            users,
        )
        for n in nominations:
            n.nominator, n.nominee = named[n.nominator_id], named[n.nominee_id]
            n.recorded_by = named.get(n.recorded_by_id)
        return Process(
            election=election,
            session=session_of(election),
            participant_ids=ids,
            users=users,
            nominations=nominations,
            rounds=in_order(rounds.rounds_of(election), "opened", "pk"),
        )


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
