"""Cercle settings: one module, every knob an environment variable.

The embedded default needs nothing: SQLite in ``var/`` and the in-memory channel
layer. Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``DEBUG=0``. A bad value stops start-up with one line that
names the variable (see ``config.env``).
"""

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import (
    ConfigError,
    env,
    env_bool,
    env_int,
    env_list,
    env_url,
    parse_database_url,
    parse_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The local settings file written by `make run` (never committed); real
# environment variables win over it. CERCLE_ENV_FILE names another file, or
# disables the file when set to an empty string (tests that start manage.py
# with a controlled environment use that).
_ENV_FILE = env.str("CERCLE_ENV_FILE", default=str(BASE_DIR / ".env"))
if _ENV_FILE:
    env.read_env(_ENV_FILE, overwrite=False)

DEBUG = env_bool("DEBUG", default=False)

_WEAK_KEYS = {"", "changeme", "secret", "django-insecure"}
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG:
    if not SECRET_KEY:
        raise ConfigError("SECRET_KEY: required when DEBUG=0 (50 random characters or more).")
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure")
        or SECRET_KEY.lower() in _WEAK_KEYS
    ):
        raise ConfigError(
            "SECRET_KEY: too weak for DEBUG=0; use 50 random characters or more "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
elif not SECRET_KEY:
    # Debug only: a per-process key; sessions do not survive a restart.
    import secrets

    SECRET_KEY = "debug-" + secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS: required when DEBUG=0 (comma-separated host names).")
# `make run` passes the address it serves on (HOST=0.0.0.0 PORT=8080 make run):
# in development the server then answers to it, and to any host name when it
# listens on every interface (a phone on the same network). Ignored with DEBUG=0.
_RUN_HOST = env.str("RUN_HOST", default="").strip()
if DEBUG and _RUN_HOST:
    if _RUN_HOST in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 - development only
        ALLOWED_HOSTS = ["*"]
    elif _RUN_HOST not in ALLOWED_HOSTS:
        ALLOWED_HOSTS = [*ALLOWED_HOSTS, _RUN_HOST]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ConfigError(
            f"CSRF_TRUSTED_ORIGINS: {_origin!r} needs its scheme (https://{_origin})."
        )
# The public address: absolute links in emails and feeds (core.links), the one
# origin a live room's socket opens from (config.origins).
CERCLE_SITE_URL = env_url("SITE_URL", default="http://127.0.0.1:8000")
# Where the running version's source code is offered (AGPL section 13). Empty:
# the server offers its own files (core.source), modifications included.
SOURCE_URL = env.str("SOURCE_URL", default="").strip()

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "ninja",
    "axes",
    "core",
    "accounts",
    "circles",
    "decisions",
    "proposals",
    "elections",
    "realtime",
    "logbook",
    "tensions",
    "django_tasks",
    "django_tasks_db",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.source.source_links",
                "notifications.context_processors.bell",
            ],
            "builtins": ["django.templatetags.i18n", "template_partials.templatetags.partials"],
        },
    }
]

# Database ------------------------------------------------------------------
DATABASES = {
    "default": parse_database_url(
        env.str("DATABASE_URL", default=""),
        default_sqlite=VAR_DIR / "cercle.sqlite3",
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_POOL_SIZE = env_int("REDIS_POOL_SIZE", default=50, minimum=1)
# Several Redis hosts (the layer shards groups and channels across them by a
# hash of their names; every process must list the same hosts in the same
# order): REDIS_URLS=redis://a:6379/0,redis://b:6379/0. It replaces REDIS_URL.
REDIS_URLS = env_list("REDIS_URLS", default=[REDIS_URL] if REDIS_URL else [])
# Redis Sentinel: REDIS_SENTINELS=host:port,host:port and the monitored
# master's name in REDIS_SENTINEL_MASTER; the layer asks the sentinels for
# the current master and follows a fail-over. REDIS_URL then only names the
# database number and password (redis://:password@sentinel/0), if any.
REDIS_SENTINELS = env_list("REDIS_SENTINELS", default=[])
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="mymaster")
# Fail fast when Redis is down or unreachable: a broadcast happens after the
# action committed, inside the request; without these a dead host holds the
# request for the OS connect timeout (minutes). The socket timeout stays above
# the core layer's 5 s blocking receive (BZPOPMIN) so an idle read never trips it.
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT", default=2, minimum=1)
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT", default=10)
if REDIS_SOCKET_TIMEOUT <= 5:
    raise ConfigError("REDIS_SOCKET_TIMEOUT: must be above 5 seconds (the layer's blocking read).")


def _redis_hosts() -> list[dict]:
    common = {
        # redis-py caps an async pool at 100 connections unless told;
        # the size is explicit so a busy worker queues instead of failing.
        "max_connections": REDIS_POOL_SIZE,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }
    if REDIS_SENTINELS:
        sentinels = []
        for item in REDIS_SENTINELS:
            host, _sep, port = item.rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError(f"REDIS_SENTINELS: {item!r} is not host:port.")
            sentinels.append((host, int(port)))
        host = {
            **common,
            "sentinels": sentinels,
            "master_name": REDIS_SENTINEL_MASTER,
            "sentinel_kwargs": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        }
        if REDIS_URL:
            from urllib.parse import urlparse

            parsed = urlparse(REDIS_URL)
            if parsed.path.strip("/").isdigit():
                host["db"] = int(parsed.path.strip("/"))
            if parsed.password:
                host["password"] = parsed.password
        return [host]
    for url in REDIS_URLS:
        parse_redis_url(url)
    return [{**common, "address": url} for url in REDIS_URLS]


def _default_channel_prefix() -> str:
    """A prefix of this site's own: Redis pub/sub ignores the database number,
    so two sites (or a test run and a site) on one Redis would otherwise hear
    each other's rooms. Derived from the public address and the database name,
    which every process of one site shares and two sites do not."""
    import hashlib

    basis = f"{CERCLE_SITE_URL}|{DATABASES['default']['NAME']}"
    return "cercle-" + hashlib.sha256(basis.encode()).hexdigest()[:10]


CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="") or _default_channel_prefix()
_LAYER_BACKENDS = {
    "channels_redis.pubsub.RedisPubSubChannelLayer",
    "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYER_BACKEND = env.str(
    "CHANNEL_LAYER_BACKEND", default="channels_redis.pubsub.RedisPubSubChannelLayer"
)
if CHANNEL_LAYER_BACKEND not in _LAYER_BACKENDS:
    raise ConfigError(
        f"CHANNEL_LAYER_BACKEND: expected one of {', '.join(sorted(_LAYER_BACKENDS))}; "
        f"got {CHANNEL_LAYER_BACKEND!r}."
    )

if REDIS_URLS or REDIS_SENTINELS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            "CONFIG": {
                "hosts": _redis_hosts(),
                "prefix": CHANNEL_LAYER_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Cache: only counters live there (password reset requests). With Redis they
# are shared by every worker; without it, each process counts on its own.
if REDIS_URLS and not REDIS_SENTINELS:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URLS[0],
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "pool_class": "core.redis_pool.SharedConnectionPool",
            },
        },
        # Sessions and user rows (core.fastpath): read on every request, so a
        # Redis that does not answer within a second is left alone for a while
        # and the database answers.
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URLS[0],
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                # One pool per process, not one per request (core.redis_pool).
                "pool_class": "core.redis_pool.SharedConnectionPool",
            },
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Without Redis the channel layer is in memory, so the site is one
        # process and this process's memory is the shared cache. Behind Redis
        # Sentinel no cache is shared by the workers: a logout or a deactivation
        # seen by one must reach the others, so nothing is cached there.
        "sessions": {
            "BACKEND": "django.core.cache.backends.dummy.DummyCache"
            if REDIS_SENTINELS
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions",
        },
    }
# The session and the user of each request come from that cache, the database
# staying the truth (core/fastpath.py).
SESSION_ENGINE = "core.fastpath"
SESSION_CACHE_ALIAS = "sessions"

# Authentication --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with the user row read through the sessions cache; the
    # plain ModelBackend stays for sessions opened before it (they name it).
    "core.fastpath.CachedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Tests (FAST_PASSWORD_HASHER=1, set by the test configuration) hash with MD5
# first: PBKDF2 would make every persona cost a third of a second. Never set it in
# production: MD5 is not a password hash for real accounts.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env_bool("FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling: a username from one address is locked out after
# AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.throttling.username_for_throttling"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Password reset emails: at most this many requests per address and per client
# address within the window (accounts.throttling).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3, minimum=1)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=10, minimum=1)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", default=60, minimum=1)

# Internationalisation -------------------------------------------------------
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
# The language of visitors whose browser asks for neither (the first users are
# French collectives). The test configuration sets "en".
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="fr")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ConfigError(f"LANGUAGE_CODE: expected one of fr, en; got {LANGUAGE_CODE!r}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
try:
    from zoneinfo import ZoneInfo

    ZoneInfo(TIME_ZONE)
except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
    raise ConfigError(
        f"TIME_ZONE: {TIME_ZONE!r} is not a time zone name (like Europe/Paris or UTC)."
    ) from None
USE_I18N = True
USE_TZ = True

# Static files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# After `collectstatic` (production), hashed and compressed names from the
# manifest; before it (development, tests, a first look), the files straight
# from the source folders, found by whitenoise's finders.
_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _MANIFEST and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST
# Serving the source folders: pick up edited files (a stale size breaks the download).
WHITENOISE_AUTOREFRESH = not _MANIFEST
WHITENOISE_MANIFEST_STRICT = False
if not _MANIFEST:
    # whitenoise warns about a missing STATIC_ROOT on every start otherwise.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Email -----------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cercle <cercle@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background jobs (core.jobs) -------------------------------------------------
# django-tasks with its database backend (django-tasks-db): jobs are rows of
# the site's own database, run by `manage.py run_worker` (one or many). The
# test configuration runs them at once (the immediate backend).
_TASK_BACKENDS = {
    "django_tasks_db.DatabaseBackend",
    "django_tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.dummy.DummyBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ConfigError(
        f"TASKS_BACKEND: expected one of {', '.join(sorted(_TASK_BACKENDS))}; "
        f"got {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
# A failed job is tried again this many times in all, after 30 s, 2 min, 8 min…
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", default=5, minimum=1)
# A job still "running" this long after it started lost its worker (killed):
# the scheduler enqueues it again (every job is idempotent).
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", default=30, minimum=1)
# Webhooks: endpoints on private, loopback or link-local addresses are refused
# (SSRF) unless this is set (a receiver on the same host, the tests); an
# endpoint is disabled after this many failed deliveries in a row.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", default=10, minimum=1)
# The local hour (TIME_ZONE) from which the daily and weekly digests go out.
DIGEST_HOUR = env_int("DIGEST_HOUR", default=7, minimum=0, maximum=23)
# A tension nobody took or forwarded for this many days goes up to the parent
# circle's backlog by itself (tensions.services.escalate_unrouted, hourly).
TENSION_ROUTE_DAYS = env_int("TENSION_ROUTE_DAYS", default=7, minimum=1)
# The double-link ledger: a decision waiting to be relayed longer than this
# many days marks the link unhealthy (circles.health).
RELAY_WAIT_DAYS = env_int("RELAY_WAIT_DAYS", default=14, minimum=1)

# Security --------------------------------------------------------------------
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Any action form and any API body stays far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "font-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    }
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError(
        f"LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        # runserver's access log has a handler of its own: print each line once.
        "django.channels.server": {"handlers": ["console"], "propagate": False},
        # The pool retries a refused connection and warns each time; the final
        # error is raised (and named by manage.py) anyway.
        "psycopg.pool": {"level": "ERROR"},
    },
}
