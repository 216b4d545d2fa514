"""The server's own cost of one live-room action, in process, beside the floor.

    python bench/room_actions.py                  # 100 actions of each kind (30 s at most each)
    python bench/room_actions.py --actions 2000   # more
    python bench/room_actions.py --profile 1      # where the CPU goes, per kind
    python bench/room_actions.py --profile 25     # and cProfile's 25 costliest calls
    python bench/room_actions.py --kinds timer,consent --seconds 60
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercle_roomcost \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/8 python bench/room_actions.py

No network and no server: each action is an htmx POST (session cookie, CSRF)
handed to the site's HTTP application (``config.handler``) in this process, on
one event loop, the way uvicorn hands it over (the middleware and the view run
in the request's own thread, one that ``config.handler`` keeps from request to
request, and the broadcast goes back to the loop). Ten "sockets"
(channels of the meeting's group, read by tasks on the loop) stand for the
circle's ten members; an action counts as done when its response is in and all
ten have its fragment. The floor is a bare ``group_send`` of a fixed fragment
of the same size to the same group and sockets, through the same channel
layer, in the same run. Django's own floor, printed first, is what any action
costs before Cercle's code runs: the same htmx POST (session, CSRF, the
site's middleware, the facilitator logged in) to a view that reads nothing
and sends nothing, added for the bench beside the site's URLs.

The world is built through the services: an organization, a circle of 10
members (one holds the facilitator role and leads the meeting), an open
meeting everyone joined, a proposal and a selection on its agenda, each made
current in turn. The kinds of action:

- ``timer``: the facilitator sets the timer (``realtime`` meeting action);
- ``next speaker``: the facilitator moves an in-turn clarifying round on
  (``proposals`` step ``next_speaker``); after every ten the round is wound
  back to its first speaker (untimed, ORM);
- ``answer``: the current speaker answers an in-turn reactions round
  (step ``answer``); after every ten the round's answers are deleted and it
  starts again (untimed, ORM), so the history does not grow;
- ``consent``: a member changes their position in the consent round
  (step ``answer``: consent, then consent with a concern, and so on);
- ``nominate``: a member nominates someone (``elections`` step
  ``nominate``); after every ten the nominations are deleted (untimed), as
  each member nominates once.

Per kind: median and p99 CPU time of the whole process per action
(``time.process_time``: the loop, the view's thread, the layer), wall time,
and queries per action (counted on the request thread's connection, as
``CaptureQueriesContext`` does), then the same for the floor.

SQLite in a temporary file by default; PostgreSQL when ``BENCH_DATABASE_URL``
is set (the database is dropped and created again: give it a name of its
own). The in-memory channel layer by default; Redis (the pub/sub layer) with
``BENCH_REDIS_URL``. Exits 0 with a message when a service it needs is
missing.
"""

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import urlencode, urlparse

from bench_env import production_settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMBERS = 10
SOCKETS = 10
KINDS = ["timer", "next speaker", "answer", "consent", "nominate"]


def configure() -> str | None:
    """Set the environment before Django reads it; a reason to skip, or None."""
    production_settings()
    os.environ.pop("REDIS_URLS", None)
    os.environ.pop("REDIS_SENTINELS", None)
    database = os.environ.get("BENCH_DATABASE_URL", "")
    if database:
        reason = recreate_postgres(database)
        if reason:
            return reason
        os.environ["DATABASE_URL"] = database
    else:
        folder = tempfile.mkdtemp(prefix="cercle-room-actions-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    if redis_url:
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except Exception as exc:  # any failure: no Redis to measure against
            return f"Redis at {redis_url} is not reachable ({exc})"
        os.environ["REDIS_URL"] = redis_url
        os.environ["CHANNEL_LAYER_PREFIX"] = "cercle-roomcost"
    else:
        os.environ.pop("REDIS_URL", None)
    return None


def recreate_postgres(url: str) -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        return f"BENCH_DATABASE_URL must name a database of its own (not {name!r})"
    admin = parsed._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"PostgreSQL at {parsed.hostname}:{parsed.port} is not usable ({exc})"
    return None


# The world ----------------------------------------------------------------------


class World:
    """The organization, circle, meeting, proposal and selection, and a
    session per member."""

    def build(self) -> None:
        from datetime import timedelta

        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from circles import services as circle_services
        from circles.models import OrganizationMember, Role
        from elections import services as election_services
        from proposals import services as proposal_services
        from realtime import services

        User = get_user_model()
        admin = User.objects.create_user(
            email="admin@example.org", password="x", display_name="Admin"
        )
        self.org = circle_services.create_organization(
            name="Bench", slug="bench", by=admin, language="en"
        )
        root = self.org.circles.get(parent__isnull=True)
        self.circle = circle_services.create_circle(parent=root, name="Team", slug="team", by=admin)
        self.people = []
        for i in range(MEMBERS):
            user = User.objects.create_user(
                email=f"m{i}@example.org", password="x", display_name=f"Member {i}"
            )
            OrganizationMember.objects.create(organization=self.org, user=user)
            circle_services.add_member(circle=self.circle, user=user, by=admin)
            self.people.append(user)
        self.fac = self.people[0]
        circle_services.assign_role(
            role=Role.objects.get(circle=self.circle, kind="facilitator"), user=self.fac, by=admin
        )
        self.meeting = services.schedule_meeting(
            circle=self.circle,
            title="Weekly",
            scheduled_start=timezone.now() + timedelta(hours=1),
            facilitator=self.fac,
            by=self.fac,
        )
        self.proposal = proposal_services.create_proposal(
            circle=self.circle, by=self.people[1], title="Compost", body="Start a compost."
        )
        self.election = election_services.open_election(
            role=Role.objects.get(circle=self.circle, kind="secretary"), by=self.fac
        )
        self.proposal_item = services.add_item(
            meeting=self.meeting, kind="proposal", proposal=self.proposal, by=self.fac
        )
        self.election_item = services.add_item(
            meeting=self.meeting, kind="election", election=self.election, by=self.fac
        )
        self.meeting = services.open_meeting(meeting=self.meeting, by=self.fac)
        for user in self.people:
            services.join(meeting=self.meeting, user=user)
        self.sessions = {user.pk: self.session(user) for user in self.people}

    @staticmethod
    def session(user) -> str:
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "core.fastpath.CachedModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
        return store.session_key

    # Setting each kind up (untimed) -----------------------------------------

    def current(self, item) -> None:
        from realtime import services

        services.set_current_item(meeting=self.meeting, item=item, by=self.fac)

    def rewind_round(self) -> list[int]:
        """The open round back to its first speaker, its answers gone (ORM,
        untimed): the proposal's history stays the same size however many
        actions are measured. Its speakers."""
        from proposals import rounds
        from proposals.models import Response

        round_ = rounds.open_round_of(self.proposal)
        Response.objects.filter(round=round_).delete()
        round_.current = 0
        round_.save(update_fields=["current"])
        return list(round_.speakers)

    def refreshed_proposal(self):
        self.proposal.refresh_from_db()
        return self.proposal


# Where the time goes ---------------------------------------------------------------
# cProfile's own timer calls (one per function call and return, some 30,000 per
# action) cost more than the parts measured; these probes time a few named
# functions only, with the view thread's CPU clock, inclusive of what they call.

#: (label, module, attribute path): each wrapped with a CPU-time probe.
PROBES = [
    (
        "session load (SessionStore.load)",
        "core.fastpath",
        "SessionStore.load",
    ),
    ("user load (auth.get_user)", "django.contrib.auth", "get_user"),
    ("room: meeting + organization check (_meeting)", "realtime.views", "_meeting"),
    ("proposal read (_proposal)", "proposals.views", "_proposal"),
    ("selection read (_election)", "elections.views", "_election"),
    ("service, with its commit and broadcast: set_timer", "realtime.services", "set_timer"),
    ("service, with its commit and broadcast: next_speaker", "proposals.services", "next_speaker"),
    ("service, with its commit and broadcast: answer", "proposals.services", "answer"),
    ("service, with its commit and broadcast: nominate", "elections.services", "nominate"),
    ("  commit", "django.db.backends.base.base", "BaseDatabaseWrapper.commit"),
    ("  meetings showing the subject", "realtime.selectors", "meeting_ids_showing"),
    ("  room version bump (in the transaction)", "realtime.models", "RoomVersion.bump"),
    ("  broadcast (re-read, render, send)", "realtime.broadcast", "broadcast_meeting"),
    ("    render: timer / item fragments", "realtime.fragments", "render_part"),
    ("    render: the whole room", "realtime.fragments", "render_room"),
    ("      of which the item's shared process", "realtime.fragments", "subject_context"),
    ("    hand-over to the publisher", "realtime.broadcast", "Publisher.submit"),
    ("    group_send (async_to_sync, this thread)", "realtime.broadcast", "async_to_sync"),
    ("room answer (_after_action)", "realtime.views", "_after_action"),
    ("proposal answer (_done: the process section)", "proposals.views", "_done"),
    ("selection answer (the election section)", "elections.views", "_context"),
    ("every query (cursor execute)", "django.db.backends.utils", "CursorWrapper._execute"),
]


class Probes:
    def __init__(self):
        self.totals: dict[str, float] = {}
        self.on = False
        self.undo: list = []

    def install(self) -> None:
        import importlib

        for label, module_name, attr in PROBES:
            owner = importlib.import_module(module_name)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name, None)
            if original is None:
                continue
            setattr(owner, name, self.wrap(label, original))
            self.undo.append((owner, name, original))

    def uninstall(self) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)

    def wrap(self, label, original):
        import functools

        probes = self

        if label.lstrip().startswith("group_send"):
            # async_to_sync(f) returns the callable that blocks: time that call.
            def factory(*args, **kwargs):
                inner = original(*args, **kwargs)
                return probes.wrap(label + " ", inner)

            return factory

        @functools.wraps(original)
        def probe(*args, **kwargs):
            if not probes.on:
                return original(*args, **kwargs)
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                key = label.rstrip()
                probes.totals[key] = probes.totals.get(key, 0.0) + time.thread_time() - start

        return probe

    def report(self, count: int) -> None:
        print(f"  where the view thread's CPU goes, ms per action ({count} actions):")
        for label, _module, _attr in PROBES:
            total = self.totals.get(label.rstrip())
            if total:
                print(f"    {label:50} {total * 1000 / count:7.2f}")
        self.totals.clear()


# Requests through the ASGI app ------------------------------------------------

NOTHING_PATH = "/bench/nothing/"


def add_nothing_view() -> None:
    """The site's URLs, and one more: a POST that needs a logged-in user and
    does nothing (Django's floor). Set before the first request resolves."""
    import importlib
    import types

    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path
    from django.views.decorators.http import require_POST

    @login_required
    @require_POST
    def nothing(request):
        return HttpResponse("ok")

    urls = types.ModuleType("bench_room_urls")
    urls.urlpatterns = [
        path(NOTHING_PATH.strip("/") + "/", nothing),
        path("", include(settings.ROOT_URLCONF)),
    ]
    site = importlib.import_module(settings.ROOT_URLCONF)
    for name in ("handler403", "handler404", "handler500"):
        if hasattr(site, name):
            setattr(urls, name, getattr(site, name))
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__


def _url(name, **kwargs) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


def room_target(path: str) -> str | None:
    """The element a form of the room names as its target (``HX-Target``),
    the face's ``MINE_ID``: the process views answer a form of the room
    with the viewer's part only (``proposals.room.answer_template``), a form
    of the page with its section."""
    from elections import room as elections_room
    from proposals import room as proposals_room

    faces = {"/proposals/": proposals_room, "/elections/": elections_room}
    return next((face.MINE_ID for part, face in faces.items() if part in path), None)


async def post(
    app, path: str, session: str, data: dict, target: str | None = None
) -> tuple[int, bytes]:
    csrf = secrets.token_hex(16)  # any 32 characters: Django checks cookie == header
    body = urlencode(data).encode()
    hx_target = [(b"hx-target", target.encode())] if target else []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", f"sessionid={session}; csrftoken={csrf}".encode()),
            (b"x-csrftoken", csrf.encode()),
            (b"hx-request", b"true"),
            *hx_target,
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    done = asyncio.Event()

    async def receive():
        if pending:
            return pending.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    status, chunks = 0, []

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


class Sockets:
    """``SOCKETS`` channels in the meeting's group, each read by a task as a
    consumer would; ``wait(n)`` until each has had ``n`` messages."""

    def __init__(self, layer, group: str):
        self.layer, self.group = layer, group
        self.counts: list[int] = []
        self.sizes: list[int] = []
        self.tasks: list[asyncio.Task] = []
        self.changed = asyncio.Event()

    async def open(self) -> None:
        self.channels = []
        for i in range(SOCKETS):
            channel = await self.layer.new_channel()
            self.channels.append(channel)
            await self.layer.group_add(self.group, channel)
            self.counts.append(0)
            self.tasks.append(asyncio.create_task(self.read(i, channel)))

    async def read(self, i: int, channel: str) -> None:
        while True:
            message = await self.layer.receive(channel)
            if message.get("type") == "bench.stop":
                await self.layer.group_discard(self.group, channel)
                return
            self.counts[i] += 1
            if i == 0:
                self.sizes.append(len(message.get("html", "")))
            self.changed.set()

    def mark(self) -> int:
        return min(self.counts)

    async def wait(self, target: int, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while min(self.counts) < target:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return False
        return True

    async def close(self) -> None:
        # A stop message each, rather than cancelling a read under way (the
        # Redis layer logs a cancelled read's clean-up as an error).
        for channel in self.channels:
            await self.layer.send(channel, {"type": "bench.stop"})
        _done, pending = await asyncio.wait(self.tasks, timeout=5)
        for task in pending:
            task.cancel()


class Stats:
    def __init__(self):
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.queries: list[int] = []
        self.lost = 0
        self.failed = 0

    def row(self, label: str) -> str:
        def p(values, q):
            values = sorted(values)
            return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0

        cpu, wall = self.cpu or [0.0], self.wall or [0.0]
        queries = statistics.median(self.queries) if self.queries else 0
        return (
            f"{label:24} {statistics.median(cpu):8.2f} {p(cpu, 0.99):8.2f} "
            f"{statistics.median(wall):8.2f} {p(wall, 0.99):8.2f} {queries:7g} "
            f"{self.lost:5d} {self.failed:6d}"
        )


HEADER = (
    f"{'action':24} {'cpu p50':>8} {'cpu p99':>8} {'wall p50':>8} {'wall p99':>8} "
    f"{'queries':>7} {'lost':>5} {'failed':>6}\n"
    f"{'':24} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8}"
)


class Bench:
    def __init__(
        self,
        world: World,
        n: int,
        profile: int,
        *,
        kinds: list[str],
        seconds: float,
        show_sql,
        answer: str = "room",
    ):
        self.world, self.n, self.profile = world, n, profile
        self.answer = answer
        self.kinds, self.seconds = kinds, seconds
        self.probes = Probes()
        if profile:
            self.probes.install()
        self.profiler = None  # on in the request's thread while an action is profiled
        self.queries = 0
        self.sql = None
        self.show_sql = show_sql

    def on_request_started(self, **kwargs) -> None:
        from django.db import connections

        wrappers = connections["default"].execute_wrappers
        if self.count not in wrappers:
            wrappers.append(self.count)
        if self.profiler is not None:
            self.profiler.enable()

    def on_request_finished(self, **kwargs) -> None:
        if self.profiler is not None:
            self.profiler.disable()

    def count(self, execute, sql, params, many, context):
        self.queries += 1
        if self.sql is not None:
            self.sql.append((sql, _origin()))
        return execute(sql, params, many, context)

    async def run(self) -> None:
        from channels.layers import get_channel_layer
        from django.core.signals import request_finished, request_started

        # The site's HTTP application as config.asgi serves it (its start-up
        # included: what it loaded is frozen out of the garbage collector's way).
        from config.asgi import django_asgi_app

        self.app = django_asgi_app
        self.layer = get_channel_layer()
        # The view runs in the request's thread: count its queries there, and
        # profile there (cProfile follows the thread that enables it).
        request_started.connect(self.on_request_started, weak=False)
        request_finished.connect(self.on_request_finished, weak=False)
        # The members' sockets are in the group of their language (every
        # member has the site's default, so one render per change).
        self.sockets = Sockets(self.layer, self.world.meeting.group_for(self.world.fac.language))
        await self.sockets.open()
        print(HEADER)
        print((await self.django_floor()).row("Django's floor"))
        print("  (an htmx POST, logged in, to a view that does nothing)")
        try:
            for kind in KINDS:  # in this order: each sets up the next
                await self.kind(kind, timed=kind in self.kinds)
        finally:
            await self.sockets.close()

    async def kind(self, kind: str, *, timed: bool) -> None:
        from asgiref.sync import sync_to_async

        prepare = sync_to_async(getattr(self, "prepare_" + kind.replace(" ", "_")))
        action = await prepare()
        if not timed:
            return
        # Warm up (templates, URL resolver, the layer's connections).
        for _ in range(min(20, self.n)):
            await self.one(action, Stats())
        stats = Stats()
        self.sizes_from = len(self.sockets.sizes)
        profiler = cProfile.Profile() if self.profile > 1 else None
        if self.profile:
            self.probes.totals.clear()
            self.probes.on = True
        deadline = time.monotonic() + self.seconds
        self.done = 0
        for _ in range(self.n):
            await self.one(action, stats, profiler)
            self.done += 1
            if time.monotonic() > deadline:
                break
        self.probes.on = False
        sizes = self.sockets.sizes[self.sizes_from :]
        size = int(statistics.median(sizes)) if sizes else 4000
        print(stats.row(f"{kind} (n={len(stats.cpu)})"))
        floor = await self.floor_run(size)
        print(floor.row(f"  floor, {size} B"))
        if self.show_sql:
            self.sql = []
            await self.one(action, Stats())
            print("  the queries of one more action (and the project's code that asked):")
            for sql, origin in self.sql:
                print(f"    {sql[:90]:<90}  {origin}")
            self.sql = None
        if self.profile:
            self.probes.report(max(1, self.done))
        if profiler is not None:
            self.print_profile(kind, profiler)

    async def one(self, action, stats: Stats, profiler=None) -> None:
        from asgiref.sync import sync_to_async

        path, session, data, between = await sync_to_async(action)()
        before = self.sockets.mark()
        self.queries = 0
        self.profiler = profiler
        cpu, wall = time.process_time(), time.perf_counter()
        target = room_target(path) if self.answer == "room" else None
        status, body = await post(self.app, path, session, data, target)
        arrived = await self.sockets.wait(before + 1)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        self.profiler = None
        if status != 200:
            stats.failed += 1
            if stats.failed == 1:
                print(f"  {path}: {status} {body[:300]!r}")
        elif not arrived:
            stats.lost += 1
        else:
            stats.cpu.append(cpu * 1000)
            stats.wall.append(wall * 1000)
            stats.queries.append(self.queries)
        if between is not None:
            await sync_to_async(between)()

    async def django_floor(self) -> Stats:
        """The request path before Cercle's code: the same POST as an action,
        answered by a view that reads nothing and sends nothing."""
        w = self.world
        session = w.sessions[w.fac.pk]
        stats = Stats()
        for seq in range(min(20, self.n) + self.n):
            self.queries = 0
            cpu, wall = time.process_time(), time.perf_counter()
            status, _body = await post(self.app, NOTHING_PATH, session, {"n": seq})
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if seq < min(20, self.n):
                continue
            if status != 200:
                stats.failed += 1
            else:
                stats.cpu.append(cpu * 1000)
                stats.wall.append(wall * 1000)
                stats.queries.append(self.queries)
        return stats

    async def floor_run(self, size: int) -> Stats:
        filler = "x" * max(0, size - 80)
        stats = Stats()
        group = self.world.meeting.group_for(self.world.fac.language)
        for seq in range(min(20, self.n) + max(self.n, 200)):
            html = f'<div id="floor" hx-swap-oob="true" data-seq="{seq}"><p>{filler}</p></div>'
            before = self.sockets.mark()
            cpu, wall = time.process_time(), time.perf_counter()
            await self.layer.group_send(group, {"type": "room.fragment", "html": html})
            arrived = await self.sockets.wait(before + 1)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if seq < min(20, self.n):
                continue
            if not arrived:
                stats.lost += 1
            else:
                stats.cpu.append(cpu * 1000)
                stats.wall.append(wall * 1000)
                stats.queries.append(0)
        return stats

    def print_profile(self, kind: str, profiler) -> None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(self.profile)
        print(f"\n--- cProfile: {kind} (the view's thread, wall clock, with its overhead) ---")
        print(out.getvalue())

    # Each kind: set up (untimed), then an action maker ------------------------
    # An action maker returns (path, session, form data, what to do after it).

    def prepare_timer(self):
        w = self.world
        w.current(w.proposal_item)
        path = _url("realtime:action", org=w.org.slug, meeting_id=w.meeting.pk, action="timer")
        seq = iter(range(10**9))
        return lambda: (path, w.sessions[w.fac.pk], {"minutes": 1 + next(seq) % 60}, None)

    def _proposal_path(self, segment):
        w = self.world
        return _url("proposals:act", org=w.org.slug, pk=w.proposal.pk, segment=segment)

    def prepare_next_speaker(self):
        from core.idempotency import new_key
        from proposals import services

        w = self.world
        services.present(proposal=w.proposal, by=w.fac)
        services.open_clarifying(proposal=w.refreshed_proposal(), by=w.fac)
        path = self._proposal_path("rounds/next")
        moved = [0]

        def after():
            moved[0] += 1
            if moved[0] % MEMBERS == 0:
                w.rewind_round()

        return lambda: (path, w.sessions[w.fac.pk], {"idempotency_key": new_key()}, after)

    def prepare_answer(self):
        from core.idempotency import new_key
        from proposals import rounds, services

        w = self.world
        services.open_reactions(proposal=w.refreshed_proposal(), by=w.fac)
        path = self._proposal_path("answers")
        state = {"speakers": list(rounds.open_round_of(w.proposal).speakers), "i": 0}

        def action():
            speaker = state["speakers"][state["i"] % len(state["speakers"])]
            data = {"kind": "reaction", "text": "Good idea.", "idempotency_key": new_key()}
            return path, w.sessions[speaker], data, after

        def after():
            state["i"] += 1
            if state["i"] % len(state["speakers"]) == 0:
                state["speakers"] = w.rewind_round()

        return action

    def prepare_consent(self):
        from core.idempotency import new_key
        from proposals import rounds, services

        w = self.world
        proposal = w.refreshed_proposal()
        services.close_round(proposal=proposal, by=w.fac)
        services.open_consent_round(proposal=w.refreshed_proposal(), by=w.fac)
        speakers = list(rounds.open_round_of(w.proposal).speakers)
        for uid in speakers:  # everyone takes a position first, in turn
            member = next(p for p in w.people if p.pk == uid)
            services.answer(proposal=w.refreshed_proposal(), by=member, kind="consent")
        path = self._proposal_path("answers")
        seq = iter(range(10**9))

        def action():
            i = next(seq)
            data = {"kind": "consent", "idempotency_key": new_key()}
            if (i // len(speakers)) % 2 == 0:
                data["concern"] = "Watch the smell."
            return path, w.sessions[speakers[i % len(speakers)]], data, None

        return action

    def prepare_nominate(self):
        from core.idempotency import new_key
        from elections import services
        from elections.models import Nomination
        from elections.steps import STEPS

        w = self.world
        services.start_nominating(election=w.election, by=w.fac)
        w.current(w.election_item)
        segment = next(url for url, step in STEPS.by_url.items() if step.name == "nominate")
        path = _url("elections:action", org=w.org.slug, pk=w.election.pk, step=segment)
        seq = iter(range(10**9))
        done = [0]

        def action():
            i = next(seq)
            by = w.people[i % MEMBERS]
            nominee = w.people[(i + 1) % MEMBERS]
            data = {"nominee": nominee.pk, "reason": "Careful.", "idempotency_key": new_key()}
            return path, w.sessions[by.pk], data, after

        def after():
            done[0] += 1
            if done[0] % MEMBERS == 0:
                Nomination.objects.filter(election=w.election).delete()

        return action


def _origin() -> str:
    """The innermost frames of the project's own code that led to a query."""
    root = str(ROOT) + os.sep
    frames = [
        f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()
        if f.filename.startswith(root)
        and os.sep + ".venv" + os.sep not in f.filename
        and not f.filename.startswith(root + "bench" + os.sep)
    ]
    return " < ".join(reversed(frames[-3:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=100, help="timed actions per kind")
    parser.add_argument(
        "--seconds", type=float, default=30, help="at most this long per kind (wall)"
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="a comma-separated choice of: " + ", ".join(KINDS)
    )
    parser.add_argument("--sql", action="store_true", help="print one action's queries per kind")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="1: where the CPU goes (probes); N > 1: also cProfile's N costliest calls",
    )
    parser.add_argument(
        "--answer",
        choices=["room", "page"],
        default="room",
        help="the process steps are sent from the room's viewer part (its htmx target; "
        "the default) or from the process's page (answered with its whole section)",
    )
    args = parser.parse_args()
    n = max(1, min(args.actions, 20_000))
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    reason = configure()
    if reason:
        print(f"room_actions: skipped: {reason}.")
        return 0

    import django

    django.setup()
    add_nothing_view()
    from asgiref.sync import async_to_sync
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"room_actions: {n} actions per kind; database {db['ENGINE'].rsplit('.', 1)[-1]}, "
        f"layer {layer}; {MEMBERS} members, {SOCKETS} sockets in the group; "
        f"process steps answered as from the {args.answer}"
    )
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    world = World()
    world.build()
    print(f"world built in {time.perf_counter() - started:.1f} s\n")
    bench = Bench(
        world,
        n,
        args.profile,
        kinds=kinds,
        seconds=args.seconds,
        show_sql=args.sql,
        answer=args.answer,
    )
    async_to_sync(bench.run)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
