"""HTTP through the site's ASGI application (config.handler): the middleware
chain runs in sync mode, in one thread hop, and keeps every guarantee of the
chain Django would run in async mode (issue 12): CSRF, the session and the
user, the security headers, a removed member refused."""

import asyncio
import secrets
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from circles.models import OrganizationMember
from config.asgi import application, django_asgi_app
from config.handler import SyncChainASGIHandler
from realtime import services
from realtime.models import Meeting

pytestmark = pytest.mark.django_db(transaction=True)


async def _post(path: str, cookie: bytes, data: dict, *, csrf: bool = True):
    token = secrets.token_hex(16)
    body = urlencode(data).encode()
    headers = [
        (b"host", b"testserver"),
        (b"cookie", cookie + f"; csrftoken={token}".encode()),
        (b"hx-request", b"true"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    if csrf:
        headers.append((b"x-csrftoken", token.encode()))
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
        "headers": headers,
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
