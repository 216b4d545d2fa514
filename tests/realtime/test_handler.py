"""HTTP through the site's ASGI application (config.handler): the middleware
chain runs in sync mode, in one thread hop, and keeps every guarantee of the
chain Django would run in async mode (issue 12): CSRF, the session and the
user, the security headers, a removed member refused."""

import asyncio
import secrets
import threading
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.core.signals import request_finished, request_started
from django.urls import reverse

from circles.models import OrganizationMember
from config.asgi import application, django_asgi_app
from config.handler import SyncChainASGIHandler
from realtime import fragments, services
from realtime.models import Meeting
from tests.fresh import run_python

pytestmark = pytest.mark.django_db(transaction=True)


async def _request(method: str, path: str, headers: list, body: bytes = b"") -> dict:
    """One HTTP request through the site's ASGI application, as uvicorn hands it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    done = asyncio.Event()
    answer = {"headers": {}, "body": b""}

    async def receive():
        if pending:
            return pending.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")
            if not message.get("more_body"):
                done.set()

    await application(scope, receive, send)
    return answer


async def _post(path: str, cookie: bytes, data: dict, *, csrf: bool = True):
    token = secrets.token_hex(16)
    body = urlencode(data).encode()
    headers = [
        (b"cookie", cookie + f"; csrftoken={token}".encode()),
        (b"hx-request", b"true"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    if csrf:
        headers.append((b"x-csrftoken", token.encode()))
    return await _request("POST", path, headers, body)


async def _get(path: str):
    return await _request("GET", path, [])


@pytest.fixture
def open_room(room_setup):
    s = room_setup
    services.open_meeting(meeting=s["meeting"], by=s["fac"])
    for who in ("fac", "ana"):
        services.join(meeting=s["meeting"], user=s[who])
    s["url"] = reverse(
        "realtime:action",
        kwargs={"org": "acme", "meeting_id": s["meeting"].pk, "action": "timer"},
    )
    return s


def _timer(s):
    return Meeting.objects.get(pk=s["meeting"].pk).timer_ends


def test_the_chain_is_loaded_in_sync_mode():
    assert isinstance(django_asgi_app, SyncChainASGIHandler)
    assert not asyncio.iscoroutinefunction(django_asgi_app._middleware_chain)


async def test_the_facilitator_sets_the_timer_with_the_usual_headers(open_room, cookie_for):
    cookie = await sync_to_async(cookie_for)(open_room["fac"])
    answer = await _post(open_room["url"], cookie, {"minutes": 5})
    assert answer["status"] == 200
    assert await sync_to_async(_timer)(open_room) is not None
    assert "data-ends" in answer["body"].decode()
    # SecurityMiddleware, XFrameOptionsMiddleware and CSPMiddleware still ran.
    assert answer["headers"]["x-frame-options"] == "DENY"
    assert answer["headers"]["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer["headers"]["content-security-policy"]


async def test_without_the_csrf_token_it_is_refused_and_nothing_changes(open_room, cookie_for):
    cookie = await sync_to_async(cookie_for)(open_room["fac"])
    answer = await _post(open_room["url"], cookie, {"minutes": 5}, csrf=False)
    assert answer["status"] == 403
    assert await sync_to_async(_timer)(open_room) is None


async def test_without_a_session_it_goes_to_the_login(open_room):
    answer = await _post(open_room["url"], b"sessionid=none", {"minutes": 5})
    assert answer["status"] == 302
    assert answer["headers"]["location"].startswith(reverse("accounts:login"))
    assert await sync_to_async(_timer)(open_room) is None


async def test_a_facilitator_who_left_the_organization_is_refused_at_once(open_room, cookie_for):
    cookie = await sync_to_async(cookie_for)(open_room["fac"])
    assert (await _post(open_room["url"], cookie, {"minutes": 5}))["status"] == 200
    first = await sync_to_async(_timer)(open_room)

    def leave():
        membership = OrganizationMember.objects.get(
            organization=open_room["org"], user=open_room["fac"]
        )
        membership.left = membership.joined
        membership.save(update_fields=["left"])

    await sync_to_async(leave)()
    answer = await _post(open_room["url"], cookie, {"minutes": 30})
    assert answer["status"] == 404
    assert await sync_to_async(_timer)(open_room) == first


@pytest.fixture
def request_threads():
    """The thread each request's start and end signals ran in, in order."""
    seen = []

    def started(**kwargs):
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        seen.append(("finished", threading.get_ident()))

    request_started.connect(started)
    request_finished.connect(finished)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


async def test_one_request_after_another_reuses_its_thread(request_threads):
    before = threading.active_count()
    for _ in range(5):
        answer = await _get(reverse("accounts:login"))
        assert answer["status"] == 200 and b"<form" in answer["body"]
    # Each request's steps in one thread, and that thread kept for the next:
    # no thread started per request (Django's own handler starts two).
    assert [kind for kind, _ in request_threads] == ["started", "finished"] * 5
    assert len({ident for _, ident in request_threads}) == 1
    assert request_threads[0][1] != threading.get_ident()
    assert threading.active_count() <= before + 1


async def test_requests_at_the_same_time_each_have_a_thread_of_their_own(request_threads):
    # Both requests must be in their start signal at once: were they given
    # one thread, the second would wait for the first and the barrier break.
    barrier = threading.Barrier(2, timeout=5)

    def meet(**kwargs):
        barrier.wait()

    request_started.connect(meet)
    try:
        login = reverse("accounts:login")
        answers = await asyncio.gather(_get(login), _get(login))
    finally:
        request_started.disconnect(meet)
    assert [a["status"] for a in answers] == [200, 200]
    assert not barrier.broken
    starts = [ident for kind, ident in request_threads if kind == "started"]
    assert len(set(starts)) == 2
    # Each request ended in the thread it started in.
    assert {ident for kind, ident in request_threads if kind == "finished"} == set(starts)


def test_what_start_up_loaded_is_out_of_the_collectors_way_and_collections_are_rarer():
    # In a fresh interpreter, as a server worker starts: importing the
    # application freezes what start-up loaded (gc.freeze), the URL conf and
    # its views included.
    code = (
        "import gc, sys; import config.asgi; "
        "print(gc.get_freeze_count(), 'proposals.views' in sys.modules, *gc.get_threshold())"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    frozen, views_loaded, *thresholds = done.stdout.split()
    assert int(frozen) > 50_000
    assert views_loaded == "True"
    # Young collections every 5,000 allocations, full ones far rarer.
    assert thresholds == ["5000", "20", "100"]


def test_a_kept_thread_holds_one_rooms_hand_over_at_most():
    # Broadcasts hand the acting view its room's HTML in the request's thread;
    # in a thread kept for request after request, what was not taken does not
    # pile up, one room after another.
    for meeting_id in (1, 2, 3):
        fragments.hand_over(meeting_id, f"<p>room {meeting_id}</p>")
    assert fragments.take_over(1) is None
    assert fragments.take_over(2) is None
    assert fragments.take_over(3) == "<p>room 3</p>"
    assert fragments.take_over(3) is None  # taken once
