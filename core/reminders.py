"""One reminder loop for every app: term ends, policy reviews, consent deadlines.

Each app registers a *source* when it starts (``register(name, source)`` in
its ``AppConfig.ready``): a function of ``now`` yielding the reminders due
then. ``send_due()`` (``manage.py send_reminders``, run hourly) sends each one
once, to each recipient in their own language and time zone, and records it.
A reminder that is also a notification (``notice``) follows each person's
preference for its kind: emailed now to those who take it immediately (the
kinds' default), left for the digest of those who take it daily or weekly,
in-app only for those who chose never.

"Once" is the app's own row: a reminder carries ``record``, which writes the
app's sent-reminder row (``TermReminder``, ``ReviewReminder``,
``ConsentReminder``), whose unique constraint refuses a second one. The row is
written in the same transaction as the emails, so a run that fails to send
leaves nothing recorded and the next run tries again, and two runs at once
cannot both send: the second insert waits for the first and then fails.

``core`` knows no app: the sources and their templates belong to the apps.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import notify, recipients

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """One due thing, to be reminded once.

    ``key`` names it stably (``"elections.term:42"``) for logs and tests;
    ``record(recipients)`` writes the app's row that makes it sent, and raises
    ``IntegrityError`` if it was sent already. Each recipient gets their own
    email, rendered from ``subject`` and ``body`` (template names) with
    ``context`` plus ``recipient``, in the recipient's language.
    """

    key: str
    recipients: Sequence
    subject: str
    body: str
    context: dict
    record: Callable[[list], None] = field(repr=False)
    #: The in-app notification it also is (``core.notify.told``): the kind,
    #: the subject instance, and the text's plain values.
    notice: "Notice | None" = None


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: object
    params: dict = field(default_factory=dict)


Source = Callable[[datetime], Iterable[Reminder]]

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Register an app's source of due reminders (once, from ``AppConfig.ready``)."""
    _sources[name] = source


def source_names() -> list[str]:
    return sorted(_sources)


@dataclass
class Outcome:
    emails: int = 0
    reminders: int = 0
    failed: list[str] = field(default_factory=list)


def send_due(*, now: datetime | None = None, only: Iterable[str] | None = None) -> Outcome:
    """Send every due reminder not sent yet (of the sources ``only``, or all)."""
    now = now or timezone.now()
    names = source_names() if only is None else list(only)
    unknown = set(names) - set(_sources)
    if unknown:
        raise KeyError(f"unknown reminder source(s): {', '.join(sorted(unknown))}")
    outcome = Outcome()
    for name in names:
        for reminder in _sources[name](now):
            people = _recipients(reminder.recipients)
            if not people:
                continue  # nobody to tell yet: not recorded, so sent once someone is
            try:
                # Sent inside the transaction that records it: a failed send
                # records nothing, and a concurrent run waits on the row.
                with transaction.atomic():
                    ids = [user.pk for user in people]
                    reminder.record(ids)
                    emailed = set(ids)
                    if reminder.notice is not None:
                        # Each person's preference for the kind: immediately is
                        # this email; a digest carries it; never keeps it in-app.
                        notice = reminder.notice
                        emailed = notify.email_now(notice.kind, ids)
                        notify.told(
                            notice.kind,
                            subject=notice.subject,
                            recipient_ids=ids,
                            emailed_ids=emailed,
                            key=reminder.key,
                            **notice.params,
                        )
                    for user in people:
                        if user.pk in emailed:
                            send_mail(*render(reminder, user), None, [user.email])
            except IntegrityError:
                continue  # sent already (by an earlier run, or one running now)
            except Exception:
                # One bad address or an SMTP hiccup must not stop the others;
                # nothing was recorded, so the next run tries this one again.
                logger.exception("reminder %s not sent", reminder.key)
                outcome.failed.append(reminder.key)
                continue
            outcome.reminders += 1
            outcome.emails += len(emailed)
    return outcome


def render(reminder: Reminder, user) -> tuple[str, str]:
    """The subject and body of ``reminder`` for ``user``, in ``user``'s language and zone."""
    with recipients.writing_to(user):
        context = {**reminder.context, "recipient": user}
        subject = " ".join(render_to_string(reminder.subject, context).split())
        body = render_to_string(reminder.body, context)
    return subject[:200], body


def _recipients(users) -> list:
    """Each user with an email address, once, in the order given."""
    people, seen = [], set()
    for user in users:
        if user is not None and user.email and user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    return people
