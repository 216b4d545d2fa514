"""Who may open a socket: the site's own origin, exactly; any other path: 4404."""

import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from config.asgi import application
from realtime import consumers

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(path, *, origin=None, cookie=None, host=None):
    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    if cookie:
        headers.append((b"cookie", cookie))
    ws = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await ws.connect()
    if connected:
        await ws.disconnect()
    return connected, code


@pytest.fixture
def member_cookie(room_setup, cookie_for):
    return cookie_for(room_setup["ana"])


def room(room_setup):
    return f"/ws/meetings/{room_setup['meeting'].pk}/"


class TestTheOriginMustBeTheSites:
    async def test_the_sites_own_origin_opens_the_room(self, room_setup, member_cookie):
        connected, _ = await connect(
            room(room_setup), origin="http://testserver", cookie=member_cookie
        )
        assert connected

    @pytest.mark.parametrize(
        "origin",
        [
            "http://testserver:8080",  # the right host, another port
            "https://testserver",  # the right host, another scheme
            "http://testserver.evil.example",
            "http://evil.example",
            "null",
        ],
    )
    async def test_any_other_origin_is_refused(self, room_setup, member_cookie, origin):
        connected, _ = await connect(room(room_setup), origin=origin, cookie=member_cookie)
        assert not connected

    async def test_no_origin_is_refused(self, room_setup, member_cookie):
        connected, _ = await connect(room(room_setup), cookie=member_cookie)
        assert not connected

    async def test_a_port_in_site_url_must_match(self, room_setup, member_cookie):
        with override_settings(CERCLE_SITE_URL="https://cercle.example.org:8443/"):
            ok, _ = await connect(
                room(room_setup), origin="https://cercle.example.org:8443", cookie=member_cookie
            )
            wrong_port, _ = await connect(
                room(room_setup), origin="https://cercle.example.org", cookie=member_cookie
            )
        assert ok and not wrong_port

    async def test_csrf_trusted_origins_are_trusted_too(self, room_setup, member_cookie):
        with override_settings(
            CSRF_TRUSTED_ORIGINS=["https://cercle.example.org", "https://*.coop.example"]
        ):
            listed, _ = await connect(
                room(room_setup), origin="https://cercle.example.org", cookie=member_cookie
            )
            subdomain, _ = await connect(
                room(room_setup), origin="https://a.coop.example", cookie=member_cookie
            )
            plain_http, _ = await connect(
                room(room_setup), origin="http://cercle.example.org", cookie=member_cookie
            )
        assert listed and subdomain and not plain_http

    async def test_in_development_a_page_of_this_very_server_connects(
        self, room_setup, member_cookie
    ):
        """DEBUG=1: `make run` on any port or host name keeps its room working,
        while another port of the same host is still refused."""
        with override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost", "192.168.1.20"]):
            same, _ = await connect(
                room(room_setup),
                origin="http://192.168.1.20:8080",
                host="192.168.1.20:8080",
                cookie=member_cookie,
            )
            other_port, _ = await connect(
                room(room_setup),
                origin="http://localhost:9999",
                host="localhost:8080",
                cookie=member_cookie,
            )
        assert same and not other_port

    async def test_outside_development_the_host_header_is_not_enough(
        self, room_setup, member_cookie
    ):
        connected, _ = await connect(
            room(room_setup),
            origin="http://localhost:9999",
            host="localhost:9999",
            cookie=member_cookie,
        )
        assert not connected


class TestAnUnknownPath:
    @pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/meetings/abc/", "/", "/admin/"])
    async def test_it_closes_with_4404_and_logs_no_traceback(self, path, caplog, room_setup):
        with caplog.at_level(logging.DEBUG):
            connected, code = await connect(path, origin="http://testserver")
        assert not connected and code == consumers.CLOSE_NOT_FOUND
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    async def test_a_signed_in_member_gets_the_same(self, room_setup, member_cookie):
        connected, code = await connect("/ws/rooms/1/", origin="http://testserver",
                                        cookie=member_cookie)  # fmt: skip
        assert not connected and code == consumers.CLOSE_NOT_FOUND
