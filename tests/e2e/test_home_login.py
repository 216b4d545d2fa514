"""A visitor opens Cercle in a real browser, logs in, switches language, logs out."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(world):
    """Oscar of the shared personas (of no organization), reading English."""
    from accounts.services import update_profile

    return update_profile(user=world.outsider, display_name="Oscar", language="en")


class TestHomeAndLogin:
    def test_it_logs_in_switches_language_and_logs_out(self, alice, password, page, log_in, orm):
        page.goto("/")
        assert page.locator("h1").count() == 1
        assert page.locator("body").get_attribute("hx-headers")

        log_in(page, "oscar@example.org", password)
        assert page.get_by_role("heading", name="Your organizations").is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("link", name="Oscar").is_visible()

        page.get_by_role("button", name=re.compile(r"^FR")).click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        alice_language = orm(lambda: type(alice).objects.get(pk=alice.pk).language)
        assert alice_language == "fr"

        page.locator("form[action='/accounts/logout/'] button").click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name=re.compile("Log in|Connexion|Se connecter")).count()
        assert not page.get_by_role("link", name="Oscar").count()
        assert page.console_errors == []

    def test_it_says_so_on_a_wrong_password(self, alice, page):
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill("oscar@example.org")
        page.locator("input[name=password]").fill("not the password")
        page.locator("main form button[type=submit]").click()
        summary = page.locator(".error-summary")
        summary.wait_for()
        assert "Wrong email address or password." in summary.inner_text()
        # The summary takes focus (cercle.js), so a screen reader reads it first.
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")

    def test_it_loads_htmx_its_websocket_extension_and_the_styles(self, page):
        page.goto("/")
        page.wait_for_function("window.htmx !== undefined")
        assert page.evaluate("typeof htmx.version") == "string"
        assert page.evaluate("htmx.version.startsWith('2.')")
        loaded = page.evaluate(
            "performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus])"
        )
        assert any("/django_htmx/ext/hx-ws-2" in name and status == 200 for name, status in loaded)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(244, 246, 248)"  # --wash: the stylesheet is loaded
        assert page.console_errors == []

    def test_it_serves_the_api_docs_under_the_csp(self, page):
        page.goto("/api/v1/docs", timeout=60_000)
        # Swagger UI renders the whole document (a few hundred operations) first.
        page.locator(".swagger-ui .info .title").wait_for(timeout=60_000)
        assert "Cercle API" in page.locator(".swagger-ui .info .title").inner_text()
        assert not [e for e in page.console_errors if "Content Security Policy" in e]

    @pytest.mark.parametrize("width", [360, 1280])
    def test_it_fits_the_screen(self, alice, password, new_page, log_in, width):
        page = new_page(viewport={"width": width, "height": 800})
        for path in ("/", "/accounts/login/"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {width}px"
        log_in(page, "oscar@example.org", password)
        page.goto("/accounts/profile/")
        page.locator("input[name=name]").fill("a script with a long name")
        page.get_by_role("button", name="Create a token").click()
        page.locator("[data-testid=new-token]").wait_for()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the profile scrolls sideways at {width}px"
