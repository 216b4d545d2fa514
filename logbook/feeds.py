"""The Atom feed of decisions and the iCalendar of review dates and term ends.

Atom uses Django's own feed generator (it escapes every value). The
iCalendar file is written by hand (RFC 5545): text values escaped, lines
folded at 75 octets, CRLF line ends; no extra dependency.
"""

from datetime import UTC, timedelta

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from core import calendar
from core.links import absolute
from core.markdown import render_markdown
from logbook.selectors import dated_entries, log_queryset, permalink

FEED_SIZE = 50


def _absolute(path: str) -> str:
    return absolute(path)


def atom_feed(organization, *, circle=None, link: str, feed_url: str) -> str:
    title = _("Decisions of %(name)s") % {"name": organization.name}
    if circle is not None:
        title = _("Decisions of %(circle)s (%(name)s)") % {
            "circle": circle.name,
            "name": organization.name,
        }
    feed = Atom1Feed(
        title=title,
        link=_absolute(link),
        description=title,
        feed_url=_absolute(feed_url),
        language=organization.language,
    )
    qs = log_queryset(organization)
    if circle is not None:
        qs = qs.filter(circle=circle)
    for d in qs.order_by("-sequence")[:FEED_SIZE]:
        url = _absolute(permalink(organization, d.sequence))
        feed.add_item(
            title=f"#{d.sequence} {d.title}",
            link=url,
            # Atom's content is HTML: the Markdown rendered and cleaned by nh3.
            description=str(render_markdown(d.body)),
            pubdate=d.decided_at,
            updateddate=d.decided_at,
            unique_id=f"urn:cercle:{organization.slug}:decision:{d.sequence}:{d.hash[:16]}",
            categories=[d.get_kind_display()],
        )
    return feed.writeString("utf-8")


def _escape(text: str) -> str:
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def icalendar(organization, *, circle=None, circle_ids=None, person=None) -> str:
    """The calendar of the organization, of one ``circle``, or of the circles
    ``circle_ids`` (one ``person``'s: their name is the calendar's)."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    if circle is not None:
        circle_ids = [circle.pk]
        name = f"{circle.name} ({organization.name})"
    elif person is not None:
        name = f"{person.display_name or person.email} ({organization.name})"
    else:
        name = organization.name
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Cercle//Decision log//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + _escape(_("Reviews and term ends — %(name)s") % {"name": name}),
    ]
    entries = dated_entries(organization)
    if circle_ids is not None:
        entries = entries.filter(circle_id__in=circle_ids)
    for d in entries.iterator(chunk_size=2000):
        url = _absolute(permalink(organization, d.sequence))
        for kind, day, label in (
            ("review", d.review_date, _("Review: %(title)s")),
            ("term-end", d.term_end, _("Term ends: %(title)s")),
        ):
            if day is None:
                continue
            lines += [
                "BEGIN:VEVENT",
                f"UID:{organization.slug}-{d.sequence}-{kind}@cercle",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}",
                "SUMMARY:" + _escape(label % {"title": d.title}),
                "DESCRIPTION:" + _escape(f"#{d.sequence} {d.title}\n{url}"),
                "URL:" + url,
                "END:VEVENT",
            ]
    lines += _timed_events(organization, circle_ids=circle_ids)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _timed_events(organization, *, circle_ids) -> list[str]:
    """The apps' timed events (``core.calendar``: the meetings), same UID as
    their invitations."""
    stamp = _utc(timezone.now())
    lines = []
    for event in calendar.events(organization, circle_ids=circle_ids):
        lines += [
            "BEGIN:VEVENT",
            "UID:" + _escape(event.uid),
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(event.start)}",
            f"DTEND:{_utc(event.end)}",
            f"SEQUENCE:{event.sequence}",
            "STATUS:" + ("CANCELLED" if event.cancelled else "CONFIRMED"),
            "SUMMARY:" + _escape(event.summary),
            "DESCRIPTION:" + _escape(event.description),
            "URL:" + event.url,
            "END:VEVENT",
        ]
    return lines


# Private links -----------------------------------------------------------------


def create_feed_token(*, user, organization) -> tuple:
    """A new private link for ``user``'s feeds and exports; the raw token is shown once."""
    import secrets

    from django.db import transaction

    from accounts.models import hash_token
    from circles import selectors as circle_selectors
    from core.errors import NotAllowed
    from logbook.models import FeedToken

    with transaction.atomic():
        if not circle_selectors.is_org_member(user, organization):
            raise NotAllowed(_("Only members of the organization can have a private link."))
        raw = "cfeed_" + secrets.token_urlsafe(24)
        token = FeedToken.objects.create(
            user=user, organization=organization, token_hash=hash_token(raw), created=timezone.now()
        )
    return token, raw


def revoke_feed_token(*, user, organization, token_id: int):
    from django.db import transaction

    from core.errors import NotFound
    from logbook.models import FeedToken

    with transaction.atomic():
        token = (
            FeedToken.objects.select_for_update()
            .filter(pk=token_id, user=user, organization=organization, revoked__isnull=True)
            .first()
        )
        if token is None:
            raise NotFound(_("There is no such private link."))
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
    return token
