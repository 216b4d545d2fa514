"""Notifications: what they add to the request that triggers them, the fan-out
job's own cost, and digests for many people.

    python bench/notify_fanout.py              # 200 members, 30 rounds each way, 2000 digests
    python bench/notify_fanout.py --members 200 --trials 50 --people 10000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercle_notifybench \\
        python bench/notify_fanout.py

1. The request: the facilitator of a circle of ``--members`` members opens the
   consent round of a proposal (an HTTP POST through Django's test client,
   the page answered in full), with notifications on and off (the port's
   handler unset), interleaved, a new proposal for each (prepared untimed).
   With them on, the request only writes the fan-out job's row (the database
   backend); the job runs later.
2. The job: the worker runs the queued fan-out jobs (``run_worker --batch``):
   one notification per member and, consent being asked-to-act, one email each
   (the in-memory email backend).
3. Digests: ``--people`` people with three unemailed notifications each; one
   daily digest run (``send_digests``) builds and sends every digest.

SQLite in a temporary file by default; PostgreSQL with ``BENCH_DATABASE_URL``
(the database is dropped and created again: give it a name of its own).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench_env import production_settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure() -> str | None:
    production_settings()
    os.environ["CERCLE_ENV_FILE"] = ""
    os.environ["LANGUAGE_CODE"] = "en"
    os.environ["FAST_PASSWORD_HASHER"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    os.environ.pop("REDIS_URL", None)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        try:
            import psycopg

            parsed = urlparse(url)
            name = parsed.path.lstrip("/")
            admin = parsed._replace(path="/postgres").geturl()
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                connection.execute(f'CREATE DATABASE "{name}"')
        except Exception as error:
            return f"PostgreSQL not reachable ({error})"
        os.environ["DATABASE_URL"] = url
    else:
        folder = tempfile.mkdtemp(prefix="cercle-notify-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    return None


def build(members: int):
    from django.contrib.auth import get_user_model

    from circles import services as circle_services
    from circles.models import OrganizationMember, Role

    User = get_user_model()
    admin = User.objects.create_user(email="admin@example.org", password="x", display_name="Admin")
    org = circle_services.create_organization(name="Coop", slug="coop", by=admin, language="en")
    root = org.circles.get(parent__isnull=True)
    circle = circle_services.create_circle(parent=root, name="Big", slug="big", by=admin)
    people = [
        User.objects.create_user(email=f"m{i}@example.org", password="x", display_name=f"M{i}")
        for i in range(members)
    ]
    OrganizationMember.objects.bulk_create(
        [OrganizationMember(organization=org, user=u) for u in people]
    )
    for user in people:
        circle_services.add_member(circle=circle, user=user, by=admin)
    facilitator = people[0]
    circle_services.assign_role(
        role=Role.objects.get(circle=circle, kind="facilitator"), user=facilitator, by=admin
    )
    circle.refresh_from_db()
    return org, circle, facilitator, people


def prepared(circle, facilitator, author, n):
    from proposals import services
    from proposals.models import Round

    p = services.create_proposal(circle=circle, by=author, title=f"Proposal {n}", body="Text.")
    services.present(proposal=p, by=facilitator)
    services.open_reactions(proposal=p, by=facilitator, mode=Round.Mode.REVEAL)
    services.close_round(proposal=p, by=facilitator)
    return p


def ms(values):
    values = sorted(values)
    p90 = values[int(len(values) * 0.9) - 1] if len(values) >= 10 else values[-1]
    return f"median {statistics.median(values) * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--before-people",
        type=int,
        default=2000,
        help="people whose digests the old path builds, to compare (0: skip it)",
    )
    parser.add_argument(
        "--digests-only", action="store_true", help="skip the request and the fan-out job"
    )
    args = parser.parse_args()
    reason = configure()
    if reason:
        print(f"skipped: {reason}")
        return 0
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the locmem outbox
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    org, circle, facilitator, people = build(args.members)
    print(f"built a circle of {args.members} members in {time.perf_counter() - started:.1f} s")

    if not args.digests_only:
        fan_out_part(args, org, circle, facilitator, people)
    digests_part(args, org, circle, facilitator)
    return 0


def fan_out_part(args, org, circle, facilitator, people):
    from django.core import mail
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from core import notify

    handler = notify._handler
    client = Client()
    client.force_login(facilitator)
    timings = {"on": [], "off": []}
    proposals = []
    for n in range(args.trials * 2 + 2):
        mode = "on" if n % 2 == 0 else "off"
        p = prepared(circle, facilitator, people[1], n)
        notify._handler = handler if mode == "on" else None
        url = reverse("proposals:act", kwargs={"org": org.slug, "pk": p.pk, "segment": "consent"})
        t0 = time.perf_counter()
        response = client.post(url, {"revision": 1, "mode": "in_turn"})
        elapsed = time.perf_counter() - t0
        assert response.status_code in (200, 302), response.status_code
        if n >= 2:  # the first two warm the caches
            timings[mode].append(elapsed)
        proposals.append(p)
    notify._handler = handler
    on, off = statistics.median(timings["on"]), statistics.median(timings["off"])
    print(f"open the consent round, {args.members} members, {args.trials} requests each:")
    print(f"  without notifications  {ms(timings['off'])}")
    print(f"  with notifications     {ms(timings['on'])}")
    print(f"  added by notifications {(on - off) * 1000:+.1f} ms ({(on / off - 1) * 100:+.1f}%)")

    from django_tasks_db.models import DBTaskResult

    from notifications.models import Notification

    jobs_queued = DBTaskResult.objects.filter(task_path__endswith="fan_out").count()
    mail.outbox = []
    t0 = time.perf_counter()
    call_command("run_worker", "--batch", "--no-scheduler", verbosity=0)
    elapsed = time.perf_counter() - t0
    rows = Notification.objects.count()
    print(
        f"worker: {jobs_queued} fan-out jobs in {elapsed:.1f} s "
        f"({elapsed / max(jobs_queued, 1) * 1000:.0f} ms a job of {args.members - 1} people), "
        f"{rows} notifications, {len(mail.outbox)} emails"
    )


def digests_part(args, org, circle, facilitator):
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.core import mail
    from django.utils import timezone

    from circles.models import OrganizationMember
    from notifications import services
    from notifications.models import Notification
    from realtime.models import Meeting

    User = get_user_model()
    t0 = time.perf_counter()
    crowd = User.objects.bulk_create(
        [
            User(email=f"d{i}@example.org", display_name=f"D{i}", language=("fr", "en")[i % 2])
            for i in range(args.people)
        ],
        batch_size=1000,
    )
    crowd = list(User.objects.filter(email__startswith="d").order_by("pk"))
    OrganizationMember.objects.bulk_create(
        [OrganizationMember(organization=org, user=u) for u in crowd], batch_size=1000
    )
    meeting = Meeting.objects.create(
        circle=circle, title="Monthly", scheduled_start=timezone.now(), facilitator=facilitator
    )
    subject_type = ContentType.objects.get_for_model(Meeting)
    now = timezone.now()
    Notification.objects.update(emailed_at=now)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="meeting_scheduled",
                organization=org,
                subject_type=subject_type,
                subject_id=meeting.pk,
                params={"title": f"Meeting {k}", "circle": "Big", "start": now.isoformat()},
                url=f"/o/coop/meetings/{meeting.pk}/",
                event_key=f"bench:{k}",
                created=now,
            )
            for user in crowd
            for k in range(3)
        ],
        batch_size=2000,
    )
    print(f"prepared {args.people} people x 3 notifications in {time.perf_counter() - t0:.1f} s")
    before_people = min(args.before_people, args.people)
    figures = {}
    for label, run in (("before", legacy_digests), ("after", services.send_digests)):
        if label == "before" and not before_people:
            continue
        Notification.objects.filter(event_key__startswith="bench:").update(emailed_at=None)
        if label == "before":  # the others wait (emailed) while the old path runs
            Notification.objects.filter(recipient__in=crowd[before_people:]).update(emailed_at=now)
        mail.outbox = []
        t0 = time.perf_counter()
        profiling = os.environ.get("BENCH_PROFILE") and label == "after"
        if profiling:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        sent = run(frequency="daily", period=f"bench-{label}")
        if profiling:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        elapsed = time.perf_counter() - t0
        assert sent == len(mail.outbox), (sent, len(mail.outbox))
        figures[label] = (sent, elapsed)
    print("daily digests, one worker:")
    for label, (sent, elapsed) in figures.items():
        each = elapsed / max(sent, 1)
        print(
            f"  {label:6}  {sent:6} sent in {elapsed:6.1f} s  {each * 1000:6.2f} ms each  "
            f"(10,000 would take {each * 10_000:6.1f} s)"
        )
    if len(figures) == 2:
        ratio = (figures["before"][1] / figures["before"][0]) / (
            figures["after"][1] / figures["after"][0]
        )
        print(f"  {ratio:.1f}x faster a digest")


# The digest run as it was before the batches (one transaction, one template
# render and one mail connection per person), kept here to compare.
LEGACY_TXT = """{% autoescape off %}{% if frequency == "weekly" %}{% translate "What concerned you \
in Cercle this week:" %}{% else %}{% translate "What concerned you in Cercle since the last \
digest:" %}{% endif %}
{% for item in items %}
- {{ item.created|date:"SHORT_DATETIME_FORMAT" }}: {{ item.text }}{% if item.url %}
  {{ item.url }}{% endif %}
{% endfor %}
--
{% translate "Cercle: choose which emails you get:" %} {{ preferences_url }}
{% translate "Stop these digests:" %} {{ unsubscribe_url }}
{% endautoescape %}"""
LEGACY_HTML = """<!DOCTYPE html><html><body><p>{% if frequency == "weekly" %}{% translate \
"What concerned you in Cercle this week:" %}{% else %}{% translate "What concerned you in \
Cercle since the last digest:" %}{% endif %}</p><ul>{% for item in items %}
<li>{{ item.created|date:"SHORT_DATETIME_FORMAT" }}: {% if item.url %}<a href="{{ item.url }}">\
{{ item.text }}</a>{% else %}{{ item.text }}{% endif %}</li>{% endfor %}</ul><hr>
<p><small><a href="{{ preferences_url }}">{% translate "Choose which emails you get" %}</a> ·
<a href="{{ unsubscribe_url }}">{% translate "Stop these digests" %}</a></small></p>
</body></html>"""


def legacy_digests(*, frequency, period):
    from collections import defaultdict

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMultiAlternatives
    from django.db import IntegrityError, transaction
    from django.template import engines
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from core import jobs
    from core.links import absolute
    from notifications import services
    from notifications.kinds import KINDS
    from notifications.models import Digest, Notification, Preference

    engine = engines["django"]
    templates = {"txt": engine.from_string(LEGACY_TXT), "html": engine.from_string(LEGACY_HTML)}
    now = timezone.now()
    pending = Notification.objects.filter(emailed_at__isnull=True, created__lte=now)
    people = list(pending.values_list("recipient_id", flat=True).distinct().order_by())
    chosen = defaultdict(dict)
    for user_id, kind, value in Preference.objects.filter(user_id__in=people).values_list(
        "user_id", "kind", "frequency"
    ):
        chosen[user_id][kind] = value
    defaults = {name: kind.default for name, kind in KINDS.items()}
    users = get_user_model().objects.in_bulk(people)
    sent = 0
    for user_id in sorted(people):
        user = users[user_id]
        kinds = services.digest_kinds({**defaults, **chosen[user_id]}, frequency)
        period_key = f"{frequency}:{period}"
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update()
                .filter(recipient=user, emailed_at__isnull=True, created__lte=now, kind__in=kinds)
                .order_by("created", "pk")
            )
            if not items:
                continue
            try:
                with transaction.atomic():
                    Digest.objects.create(recipient=user, period=period_key, count=len(items))
            except IntegrityError:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            with translation.override(user.language), timezone.override(settings.TIME_ZONE):
                entries = [services._item(n) for n in items]
                what = ngettext(
                    "%(n)d notification today", "%(n)d notifications today", len(items)
                ) % {"n": len(items)}
                unsubscribe = services.unsubscribe_url(user, frequency)
                context = {
                    "items": entries,
                    "frequency": frequency,
                    "recipient": user,
                    "unsubscribe_url": unsubscribe,
                    "preferences_url": absolute(reverse("notifications:preferences")),
                }
                body = templates["txt"].render(context)
                html = templates["html"].render(context)
                subject = _("Cercle: %(what)s") % {"what": what}
            message = EmailMultiAlternatives(
                subject,
                body,
                None,
                [user.email],
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            message.attach_alternative(html, "text/html")
            jobs.send_once(key=f"digest:{user.pk}:{period_key}", message=message)
        sent += 1
    return sent


if __name__ == "__main__":
    sys.exit(main())
