"""The frame's face in the meeting room (``core.rooms.RoomFace``).

A frame item (``realtime.frame``: opening, consent to the agenda or to the
previous minutes, closing) is a process of the meeting itself, shown like a
proposal or a selection, in two parts from ``templates/realtime/frame.html``:
the shared part (the round, whose turn, what each said: the frame's rounds
are in turn, so answers are seen as they come; the agenda the round is on;
the minutes it is about) rendered without a viewer, and the viewer's own part
(their answer when it is their turn, the facilitator's buttons, and for the
consent to the agenda the arrows that amend it). The frame's views answer
an action taken from the room with the viewer's part (``MINE_ID``).
"""

from django.template.loader import render_to_string

from core.rooms import PerLanguage
from proposals import rounds
from proposals.models import Response, Round
from proposals.selectors import answer_form
from realtime import frame
from realtime.models import FRAME_KINDS, AgendaItem

KIND = "frame"
#: The agenda item kinds this face shows (``subjects.FACES`` maps each to it).
KINDS = FRAME_KINDS
LABEL = "realtime.agendaitem"
MINE_ID = "frame-mine"
SHARED_TEMPLATE = "realtime/frame.html#shared"
MINE_TEMPLATE = "realtime/frame.html#mine"


def agenda_choices(circle):
    """Nothing to choose: a frame item is added by its kind (the agenda form)."""
    return AgendaItem.objects.none()


def agenda_label(item) -> str:
    return item.title


def _state(item, rows) -> str:
    """Where the item is: waiting (no round yet), round (one is open),
    consented, objected (the last consent round had an objection), heard."""
    if not rows:
        return "waiting"
    last = rows[-1]
    if last["round"].closed is None:
        return "round"
    if last["round"].kind == Round.Kind.CONSENT:
        return "consented" if last["consented"] else "objected"
    return "heard"


def _agenda(item):
    return list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id)
        .order_by("position")
        .only("pk", "title", "kind", "position", "done")
    )


def _context(item) -> dict:
    rows = frame.round_rows(item)
    open_row = rows[-1] if rows and rows[-1]["round"].closed is None else None
    state = _state(item, rows)
    agenda = _agenda(item) if item.kind == "agenda_consent" else []
    speakers = []
    if open_row is not None:
        from django.contrib.auth import get_user_model

        round_ = open_row["round"]
        users = get_user_model().objects.in_bulk(round_.speakers)
        answered = {a.member_id for a in open_row["answers"]}
        speakers = rounds.speaker_board(round_, users, answered)["speakers"]
    # What the viewer's part follows: a new round, a turn, an answer, the agenda's order.
    version = "{}:{}:{}:{}".format(
        open_row["round"].pk if open_row else "",
        open_row["round"].current if open_row else "",
        len(open_row["answers"]) if open_row else len(rows),
        "-".join(str(i.pk) for i in agenda),
    )
    return {
        "item": item,
        "rows": rows,
        "open": open_row,
        "speakers": speakers,
        "state": state,
        "agenda": agenda,
        "version": version,
        "minutes": item.minutes_of,
        "organization": item.meeting.circle.organization,
        "meeting": item.meeting,
    }


def shared(item) -> dict:
    """For everyone, from one read: the rounds and their answers (none hidden:
    the frame's rounds are in turn), and the open round's progress."""
    context = _context(item)
    open_row = context["open"]
    return {
        "html": PerLanguage(lambda: render_to_string(SHARED_TEMPLATE, context)),
        "round": open_row["round"] if open_row else None,
        "answered": open_row["answered"] if open_row else 0,
        "expected": open_row["expected"] if open_row else 0,
        "state": context["state"],
    }


def mine_context(request, item) -> dict:
    from realtime import selectors, services

    context = _context(item)
    user = request.user
    meeting = item.meeting
    open_row = context["open"]
    leading = services.can_lead(user, meeting) and meeting.current_item_id == item.pk
    my_answer = None
    may_answer = False
    in_round = False
    if open_row is not None and user.is_authenticated:
        round_ = open_row["round"]
        mine = [a for a in open_row["answers"] if a.member_id == user.pk]
        my_answer = mine[-1] if mine else None
        present = user.pk in selectors.present_ids(meeting)
        in_round = user.pk in round_.speakers
        if present and in_round:
            my_turn = round_.current_speaker_id == user.pk
            # In turn; in a consent round one may change one's position after one's turn.
            may_answer = my_turn or (round_.kind == Round.Kind.CONSENT and my_answer is not None)
    kinds = []
    if open_row is not None:
        kinds = (
            [Response.Kind.CONSENT, Response.Kind.OBJECT]
            if open_row["round"].kind == Round.Kind.CONSENT
            else [Response.Kind.REACTION, Response.Kind.PASS]
        )
    amendable = [
        i for i in context["agenda"] if not services.has_run(meeting, i) and i.pk != item.pk
    ]
    return {
        **context,
        "leading": leading,
        "my_answer": my_answer,
        "may_answer": may_answer,
        "in_round": in_round,
        "my_turn": open_row is not None and open_row["round"].current_speaker_id == user.pk,
        "answer_kinds": kinds,
        # The form starts on the recorded answer (changing it starts from
        # it), else on no stance: the proposals' one rule for it.
        "answer_form": answer_form({"answer_kinds": kinds, "my_response": my_answer}),
        "amendable": amendable if leading and open_row is None else [],
        "can_skip": leading
        and open_row is not None
        and open_row["round"].current_speaker_id is not None,
    }


def has_part(context) -> bool:
    """The facilitator, and every speaker of the open round: their part is
    there before their turn, so the turn's push reloads it with their form."""
    return bool(context["leading"] or context["in_round"] or context["my_answer"])


def mine_html(request, item) -> str:
    context = mine_context(request, item)
    if not has_part(context):
        return ""
    return render_to_string(MINE_TEMPLATE, context, request)
