"""The room's versions and broadcasts.

Inside the transaction of every change (``core.events.subject_changing``)
the room version of each open meeting that shows the subject is bumped
(``RoomVersion.bump``): the change and its version commit or roll back
together.

After commit (``core.events.subject_changed``) the fragments the change
touched are rendered ONCE per language someone is connected in (plus the
actor's, which the acting view answers with: one change, one render per
language) and handed, with their version, to this process's ``publisher``:
a thread with a bounded queue that sends them to each language's group with
a short timeout. The request never waits for the channel layer: with Redis
down or hung, an action commits and answers as fast as without it.

A broadcast that is lost (the layer down, the queue full, the process killed
between commit and publish) is healed by the versions: each socket knows the
version it shows, and the consumer's process compares it with the database
every few seconds (``consumers.watch``) and sends the whole room to a socket
that is behind.
"""

import asyncio
import logging
import queue
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import translation

from core.events import log_throttled
from realtime import fragments, selectors
from realtime.models import Connection, Meeting, RoomVersion, group_for, user_group

log = logging.getLogger(__name__)


class Stamps(list):
    """What a change wrote in its transaction: (meeting id, version, part)."""


def part_for(subject, part: str) -> str:
    """A proposal or an election changes the room's current item (and the
    minutes) only; a meeting says what changed, or everything."""
    if not isinstance(subject, Meeting):
        return "item"
    return part


def on_subject_changing(sender, subject, part="", **kwargs) -> Stamps | None:
    """In the change's transaction: bump the version of every open meeting
    that shows ``subject``."""
    if part == "left":  # a membership that ended: no room shows it
        return None
    meeting = isinstance(subject, Meeting)
    ids = [subject.pk] if meeting else selectors.meeting_ids_showing(subject)
    if not ids:
        return None
    return Stamps((pk, RoomVersion.bump(pk), part_for(subject, part)) for pk in ids)


def on_subject_changed(sender, subject, part="", notes=(), **kwargs) -> None:
    if part == "left":  # a membership that ended (circles.services.remove_member)
        on_membership_ended(subject)
        return
    for note in notes:
        if isinstance(note, Stamps):
            for meeting_id, version, meeting_part in note:
                meeting = subject if isinstance(subject, Meeting) else Meeting(pk=meeting_id)
                broadcast_meeting(meeting, version=version, part=meeting_part)


def _active_language() -> str:
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code if code in fragments.languages() else settings.LANGUAGE_CODE


def broadcast_meeting(meeting: Meeting, *, version: int, part: str = "") -> str:
    """Render what changed once per language and hand it to the publisher.

    Returns the HTML in the active language (the actor's), which the view
    that made the change answers with.
    """
    if part != "timer":  # the timer needs nothing but the meeting row itself
        # The current item and the minutes name neither lead; the rest does.
        leads = [] if part == "item" else ["facilitator", "secretary"]
        meeting = Meeting.objects.select_related("circle", "circle__organization", *leads).get(
            pk=meeting.pk
        )
    if part == "presence":
        kind, context = "room.presence", fragments.presence_context(meeting)

        def render(language):
            return fragments.render_presence(meeting, language=language, context=context)
    elif part in fragments.PARTS:
        kind, context = "room.partial", fragments.part_context(meeting, part)

        def render(language):
            return fragments.render_part(meeting, part, language=language, context=context)
    else:
        kind, context = "room.fragment", fragments.room_context(meeting)

        def render(language):
            return fragments.render_room(meeting, language=language, context=context)

    actor = _active_language()
    if "connected_languages" in context:
        wanted = {actor, *context["connected_languages"]} & set(fragments.languages())
    else:  # the timer reads no connection: it is tiny, render it in every language
        wanted = set(fragments.languages())
    mine = ""
    for language in sorted(wanted):
        html = render(language)
        if kind == "room.fragment":
            fragments.remember(meeting.pk, language, version, html)
        publisher.submit(
            "group_send",
            group_for(meeting.pk, language),
            {"type": kind, "html": html, "version": version},
        )
        if language == actor:
            mine = html
    fragments.hand_over(meeting.pk, mine)
    return mine


# The publisher ----------------------------------------------------------------

#: Sends waiting at most; past it a send is dropped (and the rooms resync
#: from their versions). A hung layer fills it in QUEUE_MAX * SEND_TIMEOUT s.
QUEUE_MAX = 1000
#: A send that takes longer is abandoned (a hung Redis).
SEND_TIMEOUT = 2.0


class Publisher:
    """This process's sender: the request thread hands over, never waits.

    One daemon thread with an event loop of its own sends each message with
    ``SEND_TIMEOUT``; the queue holds at most ``QUEUE_MAX``. Failures are
    logged one line per kind per interval (``core.events.log_throttled``).
    The in-memory layer (development, tests without Redis) is sent to at
    once: it cannot hang, and its queues belong to the consumers' loop.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.sent = self.failed = self.dropped = 0

    def submit(self, method: str, target: str, message: dict) -> bool:
        """Send ``layer.<method>(target, message)`` soon; False if dropped."""
        layer = get_channel_layer()
        if layer is None:
            return False
        if isinstance(layer, InMemoryChannelLayer):
            try:
                async_to_sync(getattr(layer, method))(target, message)
                self.sent += 1
            except Exception as exc:  # a full in-memory channel: resync heals it
                self._failed(exc)
            return True
        if self._queue.qsize() >= QUEUE_MAX:
            self.dropped += 1
            log_throttled(
                log,
                "publisher full",
                "room broadcast dropped: %d sends waiting for the channel layer; "
                "rooms resync from their versions",
                QUEUE_MAX,
            )
            return False
        self._queue.put((layer, method, target, message))
        self._start()
        return True

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cercle-room-publisher", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        while True:
            layer, method, target, message = self._queue.get()
            try:
                loop.run_until_complete(
                    asyncio.wait_for(getattr(layer, method)(target, message), SEND_TIMEOUT)
                )
                self.sent += 1
            except BaseException as exc:
                self._failed(exc)
            finally:
                self._queue.task_done()

    def _failed(self, exc: BaseException) -> None:
        self.failed += 1
        kind = "timeout" if isinstance(exc, TimeoutError | asyncio.TimeoutError) else type(exc)
        log_throttled(
            log,
            f"publish {getattr(kind, '__name__', kind)}",
            "room broadcast not sent (%s); rooms resync from their versions",
            "timed out" if kind == "timeout" else f"{type(exc).__name__}: {exc}",
        )

    def pending(self) -> int:
        return self._queue.unfinished_tasks

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every handed-over send is done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True


publisher = Publisher()


# A member who leaves ----------------------------------------------------------
# Nothing of the room is cached per person: every action reads the session,
# the user and the membership afresh, so someone who left is refused at their
# next action. Their open sockets are closed too, once the removal commits
# (CLOSE_FORBIDDEN): a reconnect is checked afresh (an organization member
# who left only the circle may still watch, as a guest).

CLOSE_FORBIDDEN = 4403


def close_sockets(*, user_id: int, meetings) -> int:
    """Close ``user_id``'s sockets in the open ``meetings`` (a queryset)."""
    channels = list(
        Connection.objects.filter(
            user_id=user_id, meeting__in=meetings.filter(state=Meeting.State.OPEN)
        ).values_list("channel_name", flat=True)
    )
    for channel in channels:
        publisher.submit("send", channel, {"type": "room.close", "code": CLOSE_FORBIDDEN})
    return len(channels)


def on_membership_ended(membership) -> None:
    """A circle membership ended and committed: close the person's sockets in
    that circle's open meetings."""
    meetings = Meeting.objects.filter(circle_id=membership.circle_id)
    close_sockets(user_id=membership.user_id, meetings=meetings)


# One person's sockets (core.push) ----------------------------------------------


class UserPusher:
    """``core.push``'s pusher: a person's open sockets, whichever meeting they
    are in, join ``user.<id>``; a push goes there through the publisher."""

    def connected(self, user_ids) -> set[int]:
        if not user_ids:
            return set()
        return set(Connection.live().filter(user_id__in=user_ids).values_list("user_id", flat=True))

    def send(self, user_id: int, html: str) -> None:
        publisher.submit("group_send", user_group(user_id), {"type": "user.push", "html": html})
