"""Start-up guards: a bad environment stops manage.py with one line naming the variable.

Each test runs ``manage.py`` in a subprocess with a controlled environment:
``CERCLE_ENV_FILE=""`` keeps the developer's ``.env`` out of it.
"""

import os
import secrets
import subprocess

import pytest

from tests.fresh import ROOT, run


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    return run("manage.py", *args, **variables)


def strong_key() -> str:
    return secrets.token_urlsafe(50)


def production(**overrides: str) -> dict[str, str]:
    variables = {
        "DEBUG": "0",
        "SECRET_KEY": strong_key(),
        "ALLOWED_HOSTS": "cercle.example.org",
        "HTTPS": "1",
    }
    variables.update(overrides)
    return {k: v for k, v in variables.items() if v is not None}


def assert_one_line_naming(result: subprocess.CompletedProcess, variable: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: " + variable), lines[0]
    assert "Traceback" not in result.stderr


class TestProductionGuard:
    def test_it_refuses_a_missing_secret_key(self):
        variables = production()
        del variables["SECRET_KEY"]
        assert_one_line_naming(manage("check", **variables), "SECRET_KEY")

    @pytest.mark.parametrize(
        "weak", ["changeme", "short-key", "a" * 60, "django-insecure-" + "x1y2z3" * 10]
    )
    def test_it_refuses_a_weak_secret_key(self, weak):
        assert_one_line_naming(manage("check", **production(SECRET_KEY=weak)), "SECRET_KEY")

    def test_it_refuses_empty_allowed_hosts(self):
        assert_one_line_naming(manage("check", **production(ALLOWED_HOSTS="")), "ALLOWED_HOSTS")

    def test_it_refuses_a_malformed_boolean(self):
        assert_one_line_naming(manage("check", **production(HTTPS="maybe")), "HTTPS")

    def test_it_lets_debug_run_without_a_key(self):
        result = manage("check", DEBUG="1")
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout


class TestServiceUrls:
    @pytest.mark.parametrize("url", ["mysql://x", "nonsense", "postgres://host:5432/"])
    def test_it_names_database_url_when_malformed(self, url):
        assert_one_line_naming(manage("check", DEBUG="1", DATABASE_URL=url), "DATABASE_URL")

    @pytest.mark.parametrize("url", ["http://x", "redis://", "redis://host:port/0"])
    def test_it_names_redis_url_when_malformed(self, url):
        assert_one_line_naming(manage("check", DEBUG="1", REDIS_URL=url), "REDIS_URL")

    @pytest.mark.parametrize("command", [["migrate", "--noinput"], ["runserver", "127.0.0.1:1"]])
    def test_it_names_database_url_when_the_database_is_unreachable(self, command):
        # Port 1 on the loopback refuses at once: nothing listens there.
        result = manage(*command, DEBUG="1", DATABASE_URL="postgres://nobody@127.0.0.1:1/cercle")
        assert_one_line_naming(result, "DATABASE_URL: cannot connect")

    def test_it_names_database_url_when_the_sqlite_folder_is_missing(self, tmp_path):
        url = f"sqlite:///{tmp_path}/missing/folder/db.sqlite3"
        result = manage("migrate", "--noinput", DEBUG="1", DATABASE_URL=url)
        assert_one_line_naming(result, "DATABASE_URL: cannot connect")


class TestDeployCheck:
    def test_it_finds_no_issue_with_production_variables(self):
        result = manage("check", "--deploy", **production())
        assert result.returncode == 0, result.stderr
        assert "System check identified no issues" in result.stdout
        assert "WARNING" not in result.stdout + result.stderr
        assert "?: (" not in result.stdout + result.stderr

    def test_it_warns_without_https(self):
        # The guard above is meaningful: the same check does complain when HTTPS is off.
        result = manage("check", "--deploy", **production(HTTPS="0"))
        assert "security.W" in result.stdout + result.stderr

    def test_it_stays_clean_behind_a_proxy(self):
        result = manage("check", "--deploy", **production(BEHIND_PROXY="1"))
        assert result.returncode == 0, result.stderr
        assert "System check identified no issues" in result.stdout


def layer_prefix(**variables: str) -> str:
    code = (
        "from django.conf import settings; "
        "print(settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'])"
    )
    result = manage(
        "shell", "-c", code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0", **variables
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class TestChannelLayerPrefix:
    """Sites sharing one Redis must not share a prefix (pub/sub ignores the db number)."""

    def test_two_sites_get_distinct_prefixes_by_default(self):
        one = layer_prefix(SITE_URL="https://a.example.org", DATABASE_URL="sqlite:///var/a.sqlite3")
        other = layer_prefix(
            SITE_URL="https://b.example.org", DATABASE_URL="sqlite:///var/a.sqlite3"
        )
        third = layer_prefix(
            SITE_URL="https://a.example.org", DATABASE_URL="sqlite:///var/b.sqlite3"
        )
        assert len({one, other, third}) == 3
        assert all(p.startswith("cercle-") for p in (one, other, third))

    def test_every_process_of_one_site_gets_the_same_prefix(self):
        site = {"SITE_URL": "https://a.example.org", "DATABASE_URL": "sqlite:///var/a.sqlite3"}
        assert layer_prefix(**site) == layer_prefix(**site)

    def test_channel_layer_prefix_wins(self):
        assert layer_prefix(CHANNEL_LAYER_PREFIX="coop-one") == "coop-one"

    def test_this_test_run_has_a_prefix_of_its_own(self):
        from django.conf import settings

        from tests.conftest import TEST_CHANNEL_PREFIX

        assert settings.CHANNEL_LAYER_PREFIX == TEST_CHANNEL_PREFIX
        assert str(os.getpid()) in TEST_CHANNEL_PREFIX
        assert os.environ["CHANNEL_LAYER_PREFIX"] == TEST_CHANNEL_PREFIX


class TestCookiesUnderHttps:
    def test_every_cookie_is_secure_with_https(self):
        code = (
            "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE)"
        )
        result = manage("shell", "-c", code, **production())
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "True True True"


def setting(name: str, **variables: str) -> str:
    code = f"from django.conf import settings; print(settings.{name})"
    result = manage("shell", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class TestMakeRunHost:
    """`HOST=0.0.0.0 PORT=8080 make run` answers to other hosts in development."""

    def test_every_interface_means_any_host_in_development(self):
        assert setting("ALLOWED_HOSTS", DEBUG="1", RUN_HOST="0.0.0.0") == "['*']"

    def test_a_given_address_is_added(self):
        hosts = setting("ALLOWED_HOSTS", DEBUG="1", RUN_HOST="192.168.1.20")
        assert hosts == "['127.0.0.1', 'localhost', '192.168.1.20']"

    def test_it_is_ignored_in_production(self):
        hosts = setting("ALLOWED_HOSTS", **production(RUN_HOST="0.0.0.0"))
        assert hosts == "['cercle.example.org']"

    def test_make_run_passes_its_host_and_no_option_daphne_ignores(self):
        makefile = (ROOT / "Makefile").read_text()
        run = makefile[makefile.index("\nrun:") :].split("\n\n")[0]
        assert "RUN_HOST=$(HOST) $(PY) manage.py runserver $(HOST):$(PORT)" in run
        assert "--skip-checks" not in run


class TestEveryBadSettingStopsStartUp:
    """Each of these used to give a traceback, or was taken silently."""

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            ("TIME_ZONE", "Mars/Olympus"),
            ("SITE_URL", "cercle.example.org"),
            ("SITE_URL", "ftp://cercle.example.org"),
            ("SITE_URL", "https://cercle.example.org:port"),
            ("CSRF_TRUSTED_ORIGINS", "cercle.example.org"),
            ("REDIS_POOL_SIZE", "0"),
            ("REDIS_CONNECT_TIMEOUT", "-1"),
            ("CHANNEL_LAYER_BACKEND", "channels.layers.Nonsense"),
            ("AXES_FAILURE_LIMIT", "0"),
            ("AXES_COOLOFF_MINUTES", "-5"),
            ("PASSWORD_RESET_LIMIT_PER_ADDRESS", "0"),
            ("EMAIL_PORT", "70000"),
            ("SECURE_HSTS_SECONDS", "-1"),
            ("LOG_LEVEL", "LOUD"),
        ],
    )
    def test_it_names_the_variable(self, variable, value):
        assert_one_line_naming(manage("check", DEBUG="1", **{variable: value}), variable)

    @pytest.mark.parametrize(
        ("variables", "named"),
        [
            ({"DB_POOL_MAX": "-3"}, "DB_POOL_MAX"),
            ({"DB_POOL_MIN": "-1"}, "DB_POOL_MIN"),
            ({"DB_POOL_MAX": "4", "DB_POOL_MIN": "5"}, "DB_POOL_MIN"),
            ({"DB_POOL_MAX": "0", "CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE"),
        ],
    )
    def test_it_names_a_bad_pool_setting(self, variables, named):
        url = "postgres://nobody@127.0.0.1:1/cercle"  # settings only: never connected
        result = manage("check", DEBUG="1", DATABASE_URL=url, **variables)
        assert_one_line_naming(result, named)

    def test_a_good_time_zone_and_site_url_pass(self):
        result = manage(
            "check", DEBUG="1", TIME_ZONE="America/Montreal", SITE_URL="https://c.example:8443/"
        )
        assert result.returncode == 0, result.stderr
