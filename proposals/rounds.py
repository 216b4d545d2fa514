"""The round machinery shared by proposals and elections.

A round is opened on a *subject* (a proposal or an election) that the caller
has locked with ``select_for_update`` inside its transaction, after checking
permission and process state. These functions check what belongs to the
round itself: who speaks and in which order, whose turn it is, which answers
a kind of round accepts, one current position per member, and who may see an
answer before a reveal round closes.
"""

from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, NotAllowed
from core.queries import one_or_none
from proposals.models import Response, Round

MAX_TEXT = 5_000

#: The answers each kind of round accepts.
ALLOWED_RESPONSES: dict[str, set[str]] = {
    Round.Kind.CLARIFYING: {Response.Kind.QUESTION, Response.Kind.PASS},
    Round.Kind.REACTION: {Response.Kind.REACTION},
    Round.Kind.CONSENT: {Response.Kind.CONSENT, Response.Kind.OBJECT},
}

#: The answers that are a stance on the proposal: a form never chooses one
#: for the person (GOV.UK: no radio pre-selected where the answer matters).
STANCES = frozenset({Response.Kind.CONSENT, Response.Kind.OBJECT})


def first_choice(kinds) -> str:
    """The answer a form starts on before the person chooses: the first of
    ``kinds`` in a round of words (reaction, question), none where the answer
    is a stance (a consent round): consent is chosen, never defaulted."""
    kinds = list(kinds)
    if not kinds or STANCES.intersection(kinds):
        return ""
    return kinds[0]


def speaker_order(
    participant_ids: Sequence[int], *, start_with: int | None = None, last: int | None = None
) -> list[int]:
    """The participants going around from ``start_with`` (or so that ``last``
    speaks last: the round then starts with the one after ``last``).

    The order of ``participant_ids`` is the order around the circle.
    """
    ids = list(dict.fromkeys(participant_ids))  # unique, order kept
    if not ids:
        return []
    if last is not None:
        if last not in ids:
            raise Invalid(_("The person who speaks last must take part in the round."))
        i = ids.index(last)
        return ids[i + 1 :] + ids[: i + 1]
    if start_with is not None:
        if start_with not in ids:
            raise Invalid(_("The first speaker must take part in the round."))
        i = ids.index(start_with)
        return ids[i:] + ids[:i]
    return ids


def rounds_of(subject):
    return Round.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def open_round_of(subject, *, lock: bool = False) -> Round | None:
    """The open round of ``subject``; with ``lock``, locked (``select_for_update``)
    in the caller's transaction, to hand to ``respond`` or ``advance`` as
    ``locked`` (read once)."""
    rows = rounds_of(subject).filter(closed__isnull=True)  # one_open_round_per_subject
    if lock:
        rows = rows.select_for_update()
    return one_or_none(rows)


def open_round(
    *,
    subject,
    kind: str,
    participant_ids: Iterable[int],
    by,
    mode: str = Round.Mode.IN_TURN,
    start_with: int | None = None,
    last: int | None = None,
    revision=None,
) -> Round:
    """Open a round on ``subject`` (locked by the caller)."""
    if kind not in Round.Kind.values:
        raise Invalid(_("Unknown kind of round."))
    if mode not in Round.Mode.values:
        raise Invalid(_("Unknown round mode."))
    speakers = speaker_order(list(participant_ids), start_with=start_with, last=last)
    if not speakers:
        raise Conflict(_("A round needs at least one participant."))
    if open_round_of(subject) is not None:
        raise Conflict(_("A round is already open; close it first."))
    try:
        with transaction.atomic():
            return Round.objects.create(
                subject=subject,
                kind=kind,
                mode=mode,
                revision=revision,
                speakers=speakers,
                opened_by=by,
            )
    except IntegrityError:
        raise Conflict(_("A round is already open; close it first.")) from None


def lock_round(round_: Round, *, locked: bool = False) -> Round:
    """``round_`` read again, locked; with ``locked`` the caller read it locked
    in this very transaction (``open_round_of(..., lock=True)``): it is as is."""
    if locked:
        return round_
    return Round.objects.select_for_update().get(pk=round_.pk)


def _clean(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(
            _("%(what)s has at most %(n)d characters.") % {"what": what, "n": MAX_TEXT},
            field="text",
        )
    return text


def respond(
    *,
    round_: Round,
    member,
    kind: str,
    text: str = "",
    concern: str = "",
    recorded_by=None,
    may_pass: bool = False,
    text_optional: bool = False,
    locked: bool = False,
) -> Response:
    """Record ``member``'s answer in an open round.

    In an in-turn round only the current speaker answers, and answering moves
    the turn on. In a consent round a member holds one position; answering
    again replaces it (the earlier row stays, marked replaced). An objection
    needs a reason; passing is allowed in clarifying rounds only.
    ``recorded_by`` is the facilitator answering for someone without a device.
    A round of the meeting's frame (``realtime.frame``) lets people pass
    (``may_pass``) and say nothing (``text_optional``) in any kind of round.
    ``locked``: the caller read ``round_`` locked in this transaction.
    """
    round_ = lock_round(round_, locked=locked)
    if round_.closed is not None:
        raise Conflict(_("This round is closed."))
    if member.pk not in round_.speakers:
        raise NotAllowed(_("You are not a participant of this round."))
    allowed = ALLOWED_RESPONSES[round_.kind] | ({Response.Kind.PASS} if may_pass else set())
    if kind not in allowed:
        if kind == Response.Kind.PASS:
            raise Invalid(_("Passing is allowed in clarifying rounds only."), field="kind")
        raise Invalid(_("This answer does not belong in this round."), field="kind")
    text = _clean(text, _("An answer"))
    concern = _clean(concern, _("A concern"))
    if kind == Response.Kind.OBJECT and not text:
        raise Invalid(_("An objection needs a reason."), field="text")
    if kind in (Response.Kind.QUESTION, Response.Kind.REACTION) and not text and not text_optional:
        raise Invalid(_("Write your answer, or pass if you may."), field="text")
    if concern and kind != Response.Kind.CONSENT:
        raise Invalid(_("A concern goes with a consent."), field="concern")
    in_turn = round_.mode == Round.Mode.IN_TURN
    is_position = round_.kind == Round.Kind.CONSENT
    already = Response.objects.filter(round=round_, member=member, replaced__isnull=True)
    if in_turn:
        if round_.current_speaker_id != member.pk:
            if is_position and already.exists():
                pass  # changing one's position after one's turn is allowed
            else:
                raise Conflict(_("It is not your turn yet."))
    elif not is_position and already.exists():
        raise Conflict(_("You have already answered in this round."))
    now = timezone.now()
    if is_position:
        already.filter(is_position=True).update(replaced=now)
    response = Response.objects.create(
        round=round_,
        member=member,
        kind=kind,
        text=text,
        concern=concern,
        is_position=is_position,
        recorded_by=recorded_by,
        created=now,
    )
    if in_turn and round_.current_speaker_id == member.pk:
        round_.current += 1
        round_.save(update_fields=["current"])
    return response


def advance(*, round_: Round, locked: bool = False) -> Round:
    """Move an in-turn round to the next speaker (the facilitator skips).
    ``locked``: the caller read ``round_`` locked in this transaction."""
    round_ = lock_round(round_, locked=locked)
    if round_.closed is not None:
        raise Conflict(_("This round is closed."))
    if round_.mode != Round.Mode.IN_TURN:
        raise Conflict(_("Only an in-turn round has a current speaker."))
    if round_.current >= len(round_.speakers):
        raise Conflict(_("Everyone has had their turn."))
    round_.current += 1
    round_.save(update_fields=["current"])
    return round_


def close_round(*, round_: Round) -> Round:
    round_ = lock_round(round_)
    if round_.closed is not None:
        raise Conflict(_("This round is already closed."))
    round_.closed = timezone.now()
    round_.save(update_fields=["closed"])
    return round_


def current_responses(round_: Round):
    """Every current (not replaced) answer, whoever may see it."""
    return (
        Response.objects.filter(round=round_, replaced__isnull=True)
        .select_related("member", "recorded_by")
        .order_by("created", "pk")
    )


def hides_answers(round_: Round) -> bool:
    """Until a reveal round closes, nobody but the author of an answer sees it."""
    return round_.mode == Round.Mode.REVEAL and round_.closed is None


def visible_among(round_: Round, responses: Iterable[Response], viewer) -> list[Response]:
    """Of ``responses`` (current answers of ``round_``), what ``viewer`` may
    see: all of them, or only the viewer's own while ``hides_answers``."""
    if not hides_answers(round_):
        return list(responses)
    if viewer is None or not viewer.is_authenticated:
        return []
    return [r for r in responses if r.member_id == viewer.pk]


def visible_responses(round_: Round, viewer) -> list[Response]:
    """What ``viewer`` may see of a round's answers: not in a page, the API, a
    fragment or an export may anyone else's answer show before a reveal
    round closes."""
    return visible_among(round_, current_responses(round_), viewer)


def answered_among(round_: Round, responses: Iterable[Response]) -> set[int]:
    """Who gave a current answer, of ``responses`` (current answers of ``round_``)."""
    return {r.member_id for r in responses}


def progress_among(round_: Round, responses: Iterable[Response]) -> tuple[int, int]:
    """(answered, expected) from a round's current answers: progress without content."""
    return len(answered_among(round_, responses) & set(round_.speakers)), len(round_.speakers)


def progress(round_: Round) -> tuple[int, int]:
    """(answered, expected): shows progress without revealing content."""
    answered = (
        Response.objects.filter(round=round_, replaced__isnull=True, member_id__in=round_.speakers)
        .values("member_id")
        .distinct()
        .count()
    )
    return answered, len(round_.speakers)


def answered_ids(round_: Round) -> set[int]:
    return set(
        Response.objects.filter(round=round_, replaced__isnull=True).values_list(
            "member_id", flat=True
        )
    )


def speaker_board(round_: Round, users: dict, answered: set[int]) -> dict:
    """An open round as a room shows it: its speakers in order (``users``:
    their rows by id), whose turn it is, who answered (``answered``: their
    ids; never what they said)."""
    speakers = [
        {
            "user": users.get(uid),
            "id": uid,
            "answered": uid in answered,
            "current": uid == round_.current_speaker_id,
        }
        for uid in round_.speakers
    ]
    return {
        "round": round_,
        "speakers": speakers,
        "answered": sum(1 for s in speakers if s["answered"]),
        "expected": len(speakers),
    }
