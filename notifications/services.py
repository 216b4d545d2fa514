"""Notifications: the fan-out job, emails, digests, preferences, reading.

The request that changes something only enqueues one job (``core.notify``);
:func:`fan_out` (the job) writes one notification per concerned person, once
per event (a unique constraint, so a job tried again adds nothing), and emails
those who want it immediately. Each email claims its notifications
(``emailed_at``) in the transaction that sends it, so an email goes once, in
a digest or alone, never both.
"""

import logging
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import jobs, push, recipients
from core.errors import Invalid, NotFound
from core.links import absolute
from core.notify import Event
from notifications.kinds import KINDS, kind_of, render
from notifications.models import Digest, Frequency, Notification, Preference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


# The port's handler ---------------------------------------------------------


# (``notifications.tasks.HANDLER`` is registered: it enqueues the fan-out job.)


def told(event: Event, recipient_ids: list[int], emailed_ids=None) -> None:
    """People an app told (a reminder): the notification of those it emailed
    (``emailed_ids``, all when None) is written as emailed; the others' waits
    for their digest (or, set to never, stays in-app)."""
    subject = _subject(event.subject, event.subject_id)
    kind = kind_of(event.kind)
    if subject is None or kind is None:
        return
    emailed = set(recipient_ids if emailed_ids is None else emailed_ids)
    now = timezone.now()
    by_mail = [i for i in recipient_ids if i in emailed]
    waiting = [i for i in recipient_ids if i not in emailed]
    if by_mail:
        _write(kind, subject, event.params, event.key, by_mail, emailed_at=now)
    if waiting:
        _write(kind, subject, event.params, event.key, waiting)
    transaction.on_commit(lambda: push_bells(recipient_ids))


def email_now(kind: str, recipient_ids) -> set[int]:
    """Those of ``recipient_ids`` who take ``kind`` by email immediately."""
    if kind not in KINDS:
        return set(recipient_ids)
    return {
        user_id
        for user_id, frequency in frequencies(list(recipient_ids), kind).items()
        if frequency == Frequency.IMMEDIATELY
    }


def webhook_target(*, kind: str, subject: str, subject_id: int) -> tuple[int, str] | None:
    """The organization and the link of an event, for its webhooks; None when
    the event concerns nobody (an unknown kind, a subject gone)."""
    found = kind_of(kind)
    target = _subject(subject, subject_id)
    if found is None or target is None or found.audience is None:
        return None
    return found.organization(target), found.url(target)


def _subject(label: str, pk: int):
    try:
        model = ContentType.objects.get_by_natural_key(*label.split(".")).model_class()
    except (ContentType.DoesNotExist, ValueError):
        return None
    return model._default_manager.filter(pk=pk).first() if model else None


def _concerned(kind, subject, params, ids) -> list[int]:
    """``ids`` less the actor, kept to members of the subject's organization."""
    from circles.models import OrganizationMember

    by = params.get("by")
    wanted = {int(i) for i in ids if i is not None and i != by}
    organization_id = kind.organization(subject)
    if not wanted or organization_id is None:
        return sorted(wanted) if organization_id is None else []
    members = OrganizationMember.objects.filter(
        organization_id=organization_id, user_id__in=wanted, left__isnull=True
    ).values_list("user_id", flat=True)
    return sorted(set(members))


def _write(kind, subject, params, key, recipient_ids, *, emailed_at=None) -> list[int]:
    subject_type = ContentType.objects.get_for_model(subject)
    url = kind.url(subject)
    organization_id = kind.organization(subject)
    created = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=kind.name,
                organization_id=organization_id,
                subject_type=subject_type,
                subject_id=subject.pk,
                params=params,
                url=url,
                event_key=key[:200],
                created=created,
                emailed_at=emailed_at,
            )
            for user_id in recipient_ids
        ],
        ignore_conflicts=True,  # a job tried again: the first try's rows stay
    )
    return recipient_ids


def fan_out(*, kind: str, subject: str, subject_id: int, params: dict, key: str) -> int:
    """The job's work: one notification per concerned person, emailed to those who
    want it immediately. Returns the number of emails sent now."""
    found = kind_of(kind)
    target = _subject(subject, subject_id)
    if found is None or target is None or found.audience is None:
        return 0
    recipients = _concerned(found, target, params, found.audience(target, params))
    if not recipients:
        return 0
    with transaction.atomic():
        _write(found, target, params, key, recipients)
        transaction.on_commit(lambda: push_bells(recipients))
    immediate = [
        user_id
        for user_id, frequency in frequencies(recipients, kind).items()
        if frequency == Frequency.IMMEDIATELY
    ]
    pending = Notification.objects.filter(
        event_key=key[:200], recipient_id__in=immediate, emailed_at__isnull=True
    ).select_related("recipient")
    sent = 0
    for notification in pending:
        sent += email_one(notification)
    return sent


# Preferences ----------------------------------------------------------------


def frequencies(user_ids, kind: str) -> dict[int, str]:
    """Each person's frequency for ``kind`` (their choice, else the kind's default)."""
    default = KINDS[kind].default
    chosen = dict(
        Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "frequency"
        )
    )
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def preferences_of(user) -> dict[str, str]:
    """Every kind's frequency for ``user``."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "frequency"))
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


@transaction.atomic
def set_preferences(*, user, choices: dict[str, str]) -> dict[str, str]:
    """Set ``user``'s frequency for each kind named. Nothing is lost by a switch: a
    notification not emailed yet goes in the next digest it belongs to (the daily
    one for a kind now set to immediately)."""
    valid = set(Frequency.values)
    for name, frequency in choices.items():
        if name not in KINDS:
            raise Invalid(_("Unknown kind of notification: %(kind)s.") % {"kind": name}, field=name)
        if frequency not in valid:
            raise Invalid(
                _("Choose immediately, daily, weekly or never for %(kind)s.") % {"kind": name},
                field=name,
            )
    for name, frequency in choices.items():
        Preference.objects.update_or_create(user=user, kind=name, defaults={"frequency": frequency})
    return preferences_of(user)


# Reading ----------------------------------------------------------------------


def push_bells(user_ids) -> int:
    """Refresh at once the bell of those of ``user_ids`` who have a socket
    open (``core.push``: the live room today; other pages poll every minute).
    Rendered for the connected only, each in their language; the number pushed."""
    connected = push.connected(user_ids)
    if not connected:
        return 0
    counts = dict(
        Notification.objects.filter(recipient_id__in=connected, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    users = get_user_model().objects.in_bulk(connected)
    for user_id in sorted(connected):
        if user_id not in users:
            continue
        with translation.override(_language(users[user_id])):
            html = render_to_string(
                "notifications/_bell.html",
                {"notifications_unread": counts.get(user_id, 0), "oob": True},
            )
        push.send(user_id, html)
    return len(connected)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, user, notification_id) -> Notification:
    notification = (
        Notification.objects.select_for_update()
        .filter(pk=_pk(notification_id), recipient=user)
        .first()
    )
    if notification is None:
        raise NotFound(_("This notification does not exist."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(lambda: push_bells([user.pk]))  # the user's other pages
    return notification


@transaction.atomic
def mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        transaction.on_commit(lambda: push_bells([user.pk]))
    return marked


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Unsubscribing ------------------------------------------------------------------


def unsubscribe_token(user, what: str) -> str:
    """A signed token that sets ``what`` (a kind, or ``daily``/``weekly``) to never."""
    return signing.dumps({"u": user.pk, "w": what}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user, what: str) -> str:
    # One reverse() for the prefix: a digest run builds thousands of these.
    path = reverse("notifications:unsubscribe", kwargs={"token": "TOKEN"})
    return absolute(path.replace("TOKEN", unsubscribe_token(user, what)))


def read_token(token: str):
    """The (user, what) a token names, or None for a bad or forged one."""
    if not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
        what = str(data["w"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or (what not in KINDS and what not in (Frequency.DAILY, Frequency.WEEKLY)):
        return None
    return user, what


@transaction.atomic
def unsubscribe(*, user, what: str) -> list[str]:
    """Stop the emails ``what`` names (a kind, or every kind of one digest); the kinds set
    to never. In-app notifications go on."""
    current = preferences_of(user)
    kinds = [what] if what in KINDS else [k for k, f in current.items() if f == what]
    for name in kinds:
        Preference.objects.update_or_create(
            user=user, kind=name, defaults={"frequency": Frequency.NEVER}
        )
    return kinds


# Emails -------------------------------------------------------------------------


_language = recipients.language_of
_zone = recipients.zone_of


def _message(user, *, subject, template, context, unsubscribe_what) -> EmailMultiAlternatives:
    with recipients.writing_to(user):
        unsubscribe_link = unsubscribe_url(user, unsubscribe_what)
        context = {
            **context,
            "recipient": user,
            "unsubscribe_url": unsubscribe_link,
            "preferences_url": absolute(reverse("notifications:preferences")),
        }
        subject_text = " ".join(str(subject).split())[:200]
        body = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject_text,
        body,
        None,
        [user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _item(notification) -> dict:
    return {
        "text": render(notification.kind, notification.params),
        "url": absolute(notification.url) if notification.url else "",
        "created": notification.created,
    }


def email_one(notification) -> int:
    """Email one notification alone, once; 1 if sent now."""
    user = notification.recipient
    if not user.email or not user.is_active:
        return 0
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return 0  # a digest took it
        with recipients.writing_to(user):
            item = _item(notification)
            subject = item["text"]
        message = _message(
            user,
            subject=subject,
            template="notification",
            context={"item": item},
            unsubscribe_what=notification.kind,
        )
        return int(jobs.send_once(key=f"notification:{notification.pk}", message=message))


def digest_kinds(user_prefs: dict[str, str], frequency: str) -> set[str]:
    """The kinds a ``frequency`` digest carries: its own, and for the daily one the
    kinds set to immediately (a notification left from before a switch)."""
    wanted = {frequency} | ({Frequency.IMMEDIATELY} if frequency == Frequency.DAILY else set())
    return {kind for kind, chosen in user_prefs.items() if chosen in wanted}


#: People per digest transaction (``send_digests``).
DIGEST_BATCH = 200


def send_due_digests(*, frequency: str, now=None, batch: int = DIGEST_BATCH) -> int:
    """The digests due at ``now`` (the hourly job): each person's at their own
    morning, from ``DIGEST_HOUR`` in their time zone (the weekly one from
    Monday's), once per local day or ISO week (``Digest.period`` is that day
    or week); the number sent."""
    now = now or timezone.now()
    pending = Notification.objects.filter(emailed_at__isnull=True, created__lte=now)
    zones: dict[str, list[int]] = defaultdict(list)
    for user_id, zone in (
        pending.values_list("recipient_id", "recipient__time_zone").distinct().order_by()
    ):
        zones[zone or settings.TIME_ZONE].append(user_id)
    periods: dict[str, list[int]] = defaultdict(list)
    for zone, user_ids in zones.items():
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            local = timezone.localtime(now)
        if local.hour < settings.DIGEST_HOUR:
            continue
        if frequency == Frequency.WEEKLY:
            period = "{}-W{:02d}".format(*local.isocalendar()[:2])
        else:
            period = local.strftime("%Y-%m-%d")
        periods[period].extend(user_ids)
    return sum(
        send_digests(frequency=frequency, period=period, now=now, batch=batch, recipients=ids)
        for period, ids in sorted(periods.items())
    )


def send_digests(
    *, frequency: str, period: str, now=None, batch: int = DIGEST_BATCH, recipients=None
) -> int:
    """One digest per person with notifications not emailed yet that it carries;
    the number of digests sent now (only to ``recipients`` when given).

    Built in batches of ``batch`` people: their notifications are read in one
    query and their emails rendered together; then each person's
    notifications are marked, their ``Digest`` row and email key written and
    the email sent over one mail connection (for the whole run) in one short
    transaction of their own, so a worker killed mid-run sends at most the
    one email it was committing again. Each email is assembled from a frame
    rendered once per language, time zone and kind of digest, and from each
    notification's lines rendered once per language and zone
    (``_DigestRenderer``). A batch that meets a
    digest of the same period sent meanwhile (another worker) is done again
    one person at a time, so nobody gets two; a send that fails keeps what
    went and undoes the rest (the job's next try sends them).
    """
    now = now or timezone.now()
    period_key = f"{frequency}:{period}"
    pending = Notification.objects.filter(emailed_at__isnull=True, created__lte=now)
    people = set(pending.values_list("recipient_id", flat=True).distinct().order_by())
    if recipients is not None:
        people &= set(recipients)
    people -= set(Digest.objects.filter(period=period_key).values_list("recipient_id", flat=True))
    people = sorted(people)
    if not people:
        return 0  # the hourly run with nothing due opens no mail connection
    renderer = _DigestRenderer(frequency)
    sent = 0
    connection = get_connection()
    connection.open()
    try:
        for start in range(0, len(people), max(batch, 1)):
            chunk = people[start : start + max(batch, 1)]
            sent += _send_batch(chunk, frequency, period_key, now, renderer, connection)
    finally:
        connection.close()
    return sent


def _digest_kinds_of(user_ids, frequency) -> dict[int, set[str]]:
    chosen: dict[int, dict[str, str]] = defaultdict(dict)
    for user_id, kind, value in Preference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "kind", "frequency"
    ):
        chosen[user_id][kind] = value
    defaults = {name: kind.default for name, kind in KINDS.items()}
    return {
        user_id: digest_kinds({**defaults, **chosen[user_id]}, frequency) for user_id in user_ids
    }


def _send_batch(user_ids, frequency, period_key, now, renderer, connection) -> int:
    """The digests of ``user_ids``: read and rendered together, each person's
    then marked, keyed and sent in a transaction of its own, so a worker
    killed between a send and its commit sends that one email again, never
    the batch's."""
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    }
    kinds_of = {k: v for k, v in _digest_kinds_of(list(users), frequency).items() if v}
    if not kinds_of:
        return 0
    by_person: dict[int, list] = defaultdict(list)
    for notification in Notification.objects.filter(
        recipient_id__in=list(kinds_of), emailed_at__isnull=True, created__lte=now
    ).order_by("recipient_id", "created", "pk"):
        if notification.kind in kinds_of[notification.recipient_id]:
            by_person[notification.recipient_id].append(notification)
    sent = 0
    for user_id in sorted(by_person):
        items = by_person[user_id]
        message = renderer.message(users[user_id], items)
        try:
            with transaction.atomic():
                # The UPDATE locks the rows; fewer marked than read means another
                # run emailed some meanwhile: this person goes alone, re-read.
                marked = Notification.objects.filter(
                    pk__in=[n.pk for n in items], emailed_at__isnull=True
                ).update(emailed_at=now)
                if marked != len(items):
                    raise _Moved
                Digest.objects.create(
                    recipient_id=user_id, period=period_key, count=len(items), sent=now
                )
                key = f"digest:{user_id}:{period_key}"
                jobs.send_batch([(key, message)], connection=connection)
        except (_Moved, IntegrityError):
            # A digest or an email of this period went meanwhile (another worker).
            sent += _send_digest(
                users[user_id], frequency, period_key.split(":", 1)[1], kinds_of[user_id], now,
                renderer,
            )  # fmt: skip
        except jobs.BatchFailed as failed:
            # The mail error: what went is committed, the job tries the rest again.
            raise (failed.__cause__ or failed) from None
        else:
            sent += 1
    return sent


class _Moved(Exception):
    """A person's notifications changed between the batch's read and their send."""


class _DigestRenderer:
    """Digest emails, each template rendered once per language and zone.

    The frame (``digest.txt``/``.html``: the heading, the links at the foot) is
    rendered once per (language, zone) with markers where the items and the
    unsubscribe link go; each notification's lines (``digest_item.txt``/
    ``.html``) once per language and zone, for every person it went to (one
    event's notifications share their text, link and time). A person's email
    is then joined from these pieces.
    """

    ITEMS = "%%CERCLE-ITEMS%%"
    UNSUBSCRIBE = "%%CERCLE-UNSUBSCRIBE%%"

    def __init__(self, frequency: str):
        self.frequency = frequency
        self.frames: dict = {}
        self.items: dict = {}
        self.subjects: dict = {}
        self.preferences_url = absolute(reverse("notifications:preferences"))
        self.unsubscribe_prefix = absolute(
            reverse("notifications:unsubscribe", kwargs={"token": "TOKEN"})
        )

    def _frame(self, language, zone):
        key = (language, zone)
        if key not in self.frames:
            context = {
                "frequency": self.frequency,
                "items": self.ITEMS,
                "unsubscribe_url": self.UNSUBSCRIBE,
                "preferences_url": self.preferences_url,
            }
            with translation.override(language), timezone.override(zone):
                self.frames[key] = tuple(
                    render_to_string(f"notifications/email/digest.{ext}", context).split(
                        self.ITEMS, 1
                    )
                    for ext in ("txt", "html")
                )
        return self.frames[key]

    def _item(self, notification, language, zone):
        key = (notification.event_key, notification.kind, notification.created, language, zone)
        if key not in self.items:
            with translation.override(language), timezone.override(zone):
                context = {"item": _item(notification)}
                self.items[key] = tuple(
                    render_to_string(f"notifications/email/digest_item.{ext}", context)
                    for ext in ("txt", "html")
                )
        return self.items[key]

    def _subject(self, language, count):
        key = (language, count)
        if key not in self.subjects:
            with translation.override(language):
                what = (
                    ngettext("%(n)d notification today", "%(n)d notifications today", count)
                    if self.frequency == Frequency.DAILY
                    else ngettext(
                        "%(n)d notification this week", "%(n)d notifications this week", count
                    )
                ) % {"n": count}
                self.subjects[key] = _("Cercle: %(what)s") % {"what": what}
        return self.subjects[key]

    def message(self, user, notifications) -> EmailMultiAlternatives:
        language, zone = _language(user), _zone(user)
        frame = self._frame(language, zone)
        lines = [self._item(n, language, zone) for n in notifications]
        unsubscribe = self.unsubscribe_prefix.replace(
            "TOKEN", unsubscribe_token(user, self.frequency)
        )
        parts = []
        for index in (0, 1):
            head, tail = (p.replace(self.UNSUBSCRIBE, unsubscribe) for p in frame[index])
            parts.append(head + "".join(line[index] for line in lines) + tail)
        message = EmailMultiAlternatives(
            self._subject(language, len(notifications)),
            parts[0],
            None,
            [user.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(parts[1], "text/html")
        return message


def _send_digest(user, frequency, period, kinds, now, renderer=None) -> int:
    """One person's digest, alone (a batch that met another worker's digests)."""
    period_key = f"{frequency}:{period}"
    renderer = renderer or _DigestRenderer(frequency)
    with transaction.atomic():
        items = list(
            Notification.objects.select_for_update()
            .filter(recipient=user, emailed_at__isnull=True, created__lte=now, kind__in=kinds)
            .order_by("created", "pk")
        )
        if not items:
            return 0
        try:
            with transaction.atomic():
                Digest.objects.create(recipient=user, period=period_key, count=len(items))
        except IntegrityError:
            return 0  # this period's digest went already
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        message = renderer.message(user, items)
        jobs.send_once(key=f"digest:{user.pk}:{period_key}", message=message)
    return 1


def render_text(notification) -> str:
    """A notification's text in the active language."""
    return render(notification.kind, notification.params)
