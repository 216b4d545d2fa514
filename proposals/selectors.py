"""Reads about proposals for the pages, the API and the live fragments.

``process_data`` is the same for every viewer (it never holds a hidden
answer), so a fragment built from it can be rendered once and broadcast;
``viewer_data`` adds what differs per viewer (their own answer, their turn,
the buttons and forms they may use: exactly the steps the table allows them,
``proposals.steps.allowed``).
"""

import difflib
import re

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Value, When

from circles import selectors as circle_selectors
from circles.definitions import change_rows
from core import participation
from core.queries import in_order, one_or_none
from proposals import rounds, steps
from proposals.models import Objection, Proposal, ProposalEvent, Response, Revision, Round

S = Proposal.State


def can_read(user, proposal) -> bool:
    return circle_selectors.can_read_organization(user, proposal.circle.organization)


#: What a proposal's page shows of its relations.
RELATED = ("circle", "circle__organization", "author", "decision", "amends")
#: What a step's view needs of them: the organization it checks and the
#: author its answer shows. The service reads the proposal again, locked,
#: and the answer shows the room's read of it (``_done``), so neither the
#: decision nor the policy it amends is joined on each action.
ACTING = ("circle", "circle__organization", "author")


def readable_proposal_in(user, slug: str, pk, *, related=RELATED) -> Proposal | None:
    """The proposal ``pk`` of the organization ``slug``, with ``related``,
    if ``user`` may read it: one statement, without an ORDER BY (at most one
    row)."""
    return one_or_none(
        circle_selectors.read_in(
            Proposal.objects.filter(pk=pk).select_related(*related), user, slug
        )
    )


def readable_proposal_or_none(user, pk) -> Proposal | None:
    proposal = one_or_none(Proposal.objects.filter(pk=pk).select_related(*RELATED))
    if proposal is None or not can_read(user, proposal):
        return None
    return proposal


_ORDER = {state: i for i, state in enumerate([*steps.ORDER, S.DEFERRED, S.WITHDRAWN])}


def proposals_of(circle):
    """A circle's proposals, open ones first, by step then newest."""
    order = Case(
        *[When(state=s, then=Value(i)) for s, i in _ORDER.items()], output_field=IntegerField()
    )
    return (
        Proposal.objects.filter(circle=circle)
        .select_related("author", "decision")
        .annotate(step=order)
        .order_by("step", "-created")
    )


def readable_proposals(user, organization, *, circle=None):
    if not circle_selectors.can_read_organization(user, organization):
        return Proposal.objects.none()
    qs = Proposal.objects.filter(circle__organization=organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    return qs.select_related("circle", "author").order_by("-created")


def revisions(proposal):
    return Revision.objects.filter(proposal=proposal).select_related("author").order_by("number")


def latest_revision(proposal) -> Revision | None:
    return Revision.objects.filter(proposal=proposal).order_by("-number").first()


def open_round(proposal) -> Round | None:
    return rounds.open_round_of(proposal)


def events(proposal) -> list[ProposalEvent]:
    """The proposal's history, each step named by the step table."""
    history = list(ProposalEvent.objects.filter(proposal=proposal).select_related("by"))
    for event in history:
        event.action_label = steps.event_label(event.action)
    return history


def objections(proposal):
    """The proposal's objections that everyone may see: an objection raised in
    a reveal round that is still open is a hidden answer, so it is left out.

    Each with its objector and the revision that integrated it, which is all
    the page, the room and the API show of it (the room reads this on every
    change: no answer, round or revision text rides along)."""
    return (
        Objection.objects.filter(proposal=proposal)
        .exclude(response__round__mode=Round.Mode.REVEAL, response__round__closed__isnull=True)
        .select_related("member", "integrated_in")
        .order_by("pk")
    )


def flag_shown(proposal) -> bool:
    """ "For the next meeting" tells that someone objected: not while answers are hidden."""
    return proposal.flagged_for_meeting and proposal.state != S.CONSENT


def shown_responses(round_: Round) -> list[Response]:
    """What everyone may see of a round: nothing of an open reveal round."""
    return round_summaries([round_])[0]["responses"]


def round_summary(round_: Round) -> dict:
    return round_summaries([round_])[0]


def round_summaries(rounds_: list[Round]) -> list[dict]:
    """Each round's speakers, progress and the answers everyone may see, for
    all of ``rounds_`` in two queries (their current answers, then everyone
    they name: the speakers, who answered and who recorded an answer for
    them, each person read once): a proposal's page shows every past round,
    and the room renders it on every change."""
    rounds_ = list(rounds_)
    if not rounds_:
        return []
    current: dict[int, list[Response]] = {r.pk: [] for r in rounds_}
    answers = in_order(
        Response.objects.filter(round__in=rounds_, replaced__isnull=True), "created", "pk"
    )
    named = {i for r in rounds_ for i in r.speakers}
    named.update(i for a in answers for i in (a.member_id, a.recorded_by_id) if i is not None)
    users = get_user_model().objects.in_bulk(named)
    for response in answers:
        response.member = users[response.member_id]
        response.recorded_by = users.get(response.recorded_by_id)
        current[response.round_id].append(response)
    return [_summary(r, current[r.pk], users) for r in rounds_]


def _summary(round_: Round, answers: list[Response], users: dict) -> dict:
    answered = rounds.answered_among(round_, answers)
    answered_count, expected = rounds.progress_among(round_, answers)
    speakers = [
        {"user": users[i], "answered": i in answered, "current": i == round_.current_speaker_id}
        for i in round_.speakers
        if i in users
    ]
    responses = rounds.visible_among(round_, answers, None)
    return {
        "round": round_,
        "speakers": speakers,
        "answered": answered_count,
        "expected": expected,
        "responses": responses,
        "hidden": rounds.hides_answers(round_),
        **answers_by_kind(responses, speakers),
    }


def answers_by_kind(responses: list[Response], speakers: list[dict]) -> dict:
    """A round's answers as the closed round shows them: every kind it has
    (consents, objections, questions, reactions, passes, in that order),
    every concern, and who did not answer (in seat order)."""
    by_kind = [
        {"kind": kind, "responses": [r for r in responses if r.kind == kind]}
        for kind in (
            Response.Kind.CONSENT,
            Response.Kind.OBJECT,
            Response.Kind.QUESTION,
            Response.Kind.REACTION,
            Response.Kind.PASS,
        )
    ]
    return {
        "by_kind": [group for group in by_kind if group["responses"]],
        "concerns": [r for r in responses if r.concern],
        "missing": [s["user"] for s in speakers if not s["answered"]],
    }


def policy_measures(decision) -> list[str]:
    """The measures a policy decision's record carries (none for older ones)."""
    return list((decision.record or {}).get("measures") or []) if decision else []


def review_prefill(policy) -> dict:
    """What a review of ``policy`` starts from beyond its text: its measures
    (one a line, as the form takes them) and its domain."""
    record = policy.record or {}
    return {"measures": "\n".join(policy_measures(policy)), "domain": record.get("domain") or ""}


def process_data(proposal, *, history: bool = True) -> dict:
    """Everything the shared fragments show; the same for every viewer.

    With ``history`` (the whole page, the API) also every revision and the
    proposal's events; without it (the room's face, and the process section
    an action answers with, which show neither) only the latest revision."""
    all_rounds = in_order(rounds.rounds_of(proposal).select_related("revision"), "-opened", "-pk")
    summaries = round_summaries(all_rounds)
    past = [s for s in summaries if s["round"].closed is not None]
    current = next((s for s in summaries if s["round"].closed is None), None)
    if history:
        every = list(revisions(proposal))
        latest = every[-1] if every else None
    else:
        every, latest = None, latest_revision(proposal)
    order = steps.ORDER
    state_index = order.index(proposal.state) if proposal.state in order else None
    data = {
        "proposal": proposal,
        # A change of definitions it carries (circles.definitions), field by field.
        "change_rows": change_rows(proposal.change),
        "revision": latest,
        # A review evaluates the measures of the policy it amends.
        "evaluate": policy_measures(proposal.amends) if proposal.amends_id else [],
        "round": current,
        "past_rounds": past,
        "objections": in_order(objections(proposal), "pk"),
        "flagged": flag_shown(proposal),
        "steps": [
            {
                "state": s,
                "label": S(s).label,
                "done": state_index is not None and i < state_index,
                "current": s == proposal.state,
            }
            for i, s in enumerate(order)
        ],
        # The steps the process offers in this state (to someone).
        "actions": steps.states_allowing(proposal.state),
    }
    if history:
        data["revisions"] = every
        data["events"] = list(events(proposal))
    return data


def answer_form(viewer: dict, sent: dict | None = None) -> dict:
    """The answer form's initial state, never a stance the person did not take.

    A refused answer comes back as it was sent (an objection without its
    reason stays an objection, with what was typed); otherwise the form shows
    the person's recorded answer (kind, text, concern) so changing it starts
    from it; a first answer starts on ``rounds.first_choice`` (no stance in a
    consent round).
    """
    kinds = viewer["answer_kinds"]
    mine = viewer["my_response"]
    if sent is not None:
        source = sent
    elif mine is not None:
        source = {"kind": mine.kind, "text": mine.text, "concern": mine.concern}
    else:
        source = {"kind": rounds.first_choice(kinds), "text": "", "concern": ""}
    kind = source.get("kind") or ""
    return {
        "kind": kind if kind in kinds else "",
        "text": source.get("text") or "",
        "concern": source.get("concern") or "",
    }


def page_context(
    user, proposal, *, sent: dict | None = None, data: dict | None = None, **extra
) -> dict:
    """The context of the proposal's process section: the same for its page,
    its htmx answers and the meeting room's viewer part (``proposals.room``).
    ``data`` is the ``process_data`` of the proposal when it was just read
    (with ``session``, the meeting's session, when the room read it too)."""
    from core.idempotency import new_key

    with participation.reading():  # the meeting's session, read once
        if data is None:
            data = process_data(proposal)
        elif "session" in data:
            data = dict(data)
            participation.known(proposal, data.pop("session"))
        viewer = viewer_data(proposal, user, data)
    return {
        **data,
        "viewer": viewer,
        "answer_form": answer_form(viewer, sent),
        "idempotency_key": new_key(),
        "organization": proposal.circle.organization,
        "circle": proposal.circle,
        **extra,
    }


def my_response(round_: Round, user) -> Response | None:
    if round_ is None or user is None or not user.is_authenticated:
        return None
    return (
        Response.objects.filter(round=round_, member=user, replaced__isnull=True)
        .order_by("-created")
        .first()
    )


def _my_response_in(summary: dict, user) -> Response | None:
    """The viewer's current answer in the open round of ``summary`` (from
    ``process_data``): among the answers everyone sees, read with the rest,
    when the round shows them; read on its own while it hides them (the
    summary holds none of them then)."""
    if summary["hidden"]:
        return my_response(summary["round"], user)
    mine = [r for r in summary["responses"] if r.member_id == user.pk]
    return max(mine, key=lambda r: (r.created, r.pk)) if mine else None


def viewer_data(proposal, user, data: dict | None = None) -> dict:
    """What differs per viewer: their answer, their turn, their buttons and
    forms, each one a step the table allows them now."""
    data = data or process_data(proposal)
    authenticated = user is not None and user.is_authenticated
    round_ = data["round"]["round"] if data["round"] else None
    with steps.remembering():
        steps.seen_round(proposal, round_)
        allowed = steps.allowed(proposal, user)
        facilitator = steps.is_facilitator(user, proposal)
        member = steps.is_member(user, proposal)
        resolve = [
            {"objection": o, "resolutions": ways}
            for o in data["objections"]
            if o.state == Objection.State.OPEN and (ways := steps.resolutions(proposal, o, user))
        ]
    kinds = []
    # The round was read once for the page (``data``); the table may have seen
    # one open a moment later: answer only the round the page shows.
    if "answer" in allowed and round_ is not None:
        kinds = [k for k in Response.Kind.values if k in rounds.ALLOWED_RESPONSES[round_.kind]]
    participant = round_ is not None and authenticated and user.pk in round_.speakers
    mine = _my_response_in(data["round"], user) if participant else None
    actions = [
        {
            "name": name,
            "label": steps.STEPS[name].label,
            # Its form asks who speaks first (``steps.RoundIn``).
            "opens_round": steps.opens_round(name),
        }
        for name in allowed
        if name in steps.BUTTONS
    ]
    return {
        "allowed": allowed,
        "record_for": record_for_data(proposal, data["round"]) if "answer_for" in allowed else None,
        "is_facilitator": facilitator,
        "is_member": member,
        "is_author": authenticated and user.pk == proposal.author_id,
        "actions": actions,
        "can_answer": bool(kinds),
        "can_reply": "reply" in allowed,
        "resolve": resolve,
        "answer_kinds": kinds,
        "my_response": mine,
        "my_turn": round_ is not None
        and round_.mode == Round.Mode.IN_TURN
        and authenticated
        and round_.current_speaker_id == user.pk,
        # Whom a round may start with: read only when a round may be opened.
        "members": (
            list(circle_selectors.current_members(proposal.circle))
            if any(a["opens_round"] for a in actions)
            else []
        ),
    }


def record_for_data(proposal, round_data: dict | None) -> dict | None:
    """The facilitator's form to record an answer for someone without a device
    (when the table allows ``answer_for``): who may still answer (the current
    speaker in an in-turn round) and the answers the round accepts. None when
    there is nothing to record."""
    if round_data is None:
        return None
    round_ = round_data["round"]
    if round_.mode == Round.Mode.IN_TURN:
        people = [s["user"] for s in round_data["speakers"] if s["current"]]
    else:
        people = [s["user"] for s in round_data["speakers"] if not s["answered"]]
    if not people:
        return None
    kinds = [
        {"value": k, "label": Response.Kind(k).label}
        for k in Response.Kind.values
        if k in rounds.ALLOWED_RESPONSES[round_.kind]
    ]
    return {
        "people": people,
        "kinds": kinds,
        "first_choice": rounds.first_choice(k["value"] for k in kinds),
        "consent": round_.kind == Round.Kind.CONSENT,
    }


_TOKEN = re.compile(r"\s+|[^\s]+")


def diff(a: Revision, b: Revision) -> list[dict]:
    """Word-level differences from ``a`` to ``b``: equal / insert / delete runs.

    Returned as plain text pieces; the template escapes them and marks each
    insertion with + and each deletion with −, not by colour alone.
    """
    left = _TOKEN.findall(a.body)
    right = _TOKEN.findall(b.body)
    pieces = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append({"op": "equal", "text": "".join(left[i1:i2])})
            continue
        if op in ("delete", "replace"):
            pieces.append({"op": "delete", "text": "".join(left[i1:i2])})
        if op in ("insert", "replace"):
            pieces.append({"op": "insert", "text": "".join(right[j1:j2])})
    return pieces


def revision_pair(proposal, a, b) -> tuple[Revision, Revision] | None:
    """Revisions number ``a`` and ``b`` of ``proposal``, or None if either is missing."""
    try:
        a, b = int(a), int(b)
    except (TypeError, ValueError):
        return None
    found = {r.number: r for r in Revision.objects.filter(proposal=proposal, number__in=[a, b])}
    if a not in found or b not in found:
        return None
    return found[a], found[b]
