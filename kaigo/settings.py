"""Settings of kaigo: every environment variable the system reads is read here, once.

Each variable is documented where it is read (and listed in docs/configuration.md).
A secret may also be given as a file: ``NAME_FILE=/run/secrets/name`` (Docker secrets).
``KAIGO_ENV=production`` refuses to start with development secrets or DEBUG on.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Placeholders used in development only; production refuses them (see _check_production).
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
DEV_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/kaigo"
DEV_REDIS_URL = "redis://127.0.0.1:6379/0"


def env(name: str, default: str | None = None) -> str | None:
    """Read ``name`` from the environment, or the contents of the file named by ``name_FILE``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


# KAIGO_ENV: "development" (default) or "production".
KAIGO_ENV = env("KAIGO_ENV", "development")
if KAIGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("KAIGO_ENV must be 'development' or 'production'")
PRODUCTION = KAIGO_ENV == "production"

# DJANGO_SECRET_KEY: signs sessions and CSRF tokens. Required in production.
SECRET_KEY = env("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
# DJANGO_DEBUG: tracebacks in the browser; never in production. Defaults to off.
DEBUG = env_bool("DJANGO_DEBUG", False)
# DJANGO_ALLOWED_HOSTS: comma-separated host names the web server answers to.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
# DJANGO_CSRF_TRUSTED_ORIGINS: comma-separated origins (https://kaigo.example.lg.jp) behind a proxy.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")



def _run_services(path: Path) -> dict[str, str]:
    """Development only: the addresses of the embedded servers a running `make run` of this checkout
    started (kaigo/devenv.py writes them to var/run-services.json and removes the file when it
    stops), so that `.venv/bin/python manage.py ...` in another terminal reaches them without
    DATABASE_URL / REDIS_URL. Nothing when the file is missing or unreadable, or the run that wrote
    it is gone (killed without removing it)."""
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(written["pid"]), 0)
    except PermissionError:
        pass  # the process exists (another user's): its servers are there
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {k: v for k, v in written.items() if k in {"DATABASE_URL", "REDIS_URL"} and isinstance(v, str)}


# KAIGO_RUN_SERVICES_FILE: where a running `make run` leaves the addresses of its embedded servers
# (default var/run-services.json). Read in development only, for a variable that is not set; never
# in production.
RUN_SERVICES = {} if PRODUCTION else _run_services(
    Path(os.environ.get("KAIGO_RUN_SERVICES_FILE") or BASE_DIR / "var" / "run-services.json"))

# DATABASE_URL: PostgreSQL connection; `make run` / `make test` set it to their embedded server
# (and manage.py beside a running `make run` finds it in RUN_SERVICES).
DATABASE_URL = env("DATABASE_URL") or RUN_SERVICES.get("DATABASE_URL") or DEV_DATABASE_URL
# DATABASE_CONN_MAX_AGE: seconds a connection is kept; persistent connections are about 4x
# faster per request than a new connection each time (ARCHITECTURE.md section 9).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("TEST", {})
# DATABASE_TEST_NAME: name of the database pytest creates (default test_<name>).
if env("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = env("DATABASE_TEST_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL: the Celery broker and the cache (beside a running `make run`: from RUN_SERVICES).
REDIS_URL = env("REDIS_URL") or RUN_SERVICES.get("REDIS_URL") or DEV_REDIS_URL

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "csp",  # Content-Security-Policy (django-csp): its checks of the settings
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "pgtrigger",  # triggers installed by migrations (django-pgtrigger)
    "pghistory",  # the change trail's event models (django-pghistory)
    "kaigo.staff",
    "kaigo.crypto",
    "kaigo.batches",
    "kaigo.outbox",
    "kaigo.shell",
    "audit",
    "eligibility",
    "premiums",
    "certification",
    "benefits",
    "linkage",
    "synthetic",  # the synthetic city (generate_city); top layer, nothing imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.trail.TrailMiddleware",  # who made a change: POST/PUT/PATCH/DELETE only, nothing on GET
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaigo.staff.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kaigo.shell.middleware.LoginRequiredMiddleware",
    "kaigo.staff.middleware.SecondFactorMiddleware",
    "kaigo.staff.middleware.ForcePasswordChangeMiddleware",
    # a view's errors to their pages: a missing record 404, NotPermitted 403, other ApplicationErrors 400
    "kaigo.shell.middleware.ErrorPagesMiddleware",
    "axes.middleware.AxesMiddleware",  # last (django-axes)
]

ROOT_URLCONF = "kaigo.urls"
WSGI_APPLICATION = "kaigo.wsgi.application"
ASGI_APPLICATION = "kaigo.asgi.application"

# Every page is a Jinja2 template, autoescape on (docs/adr/0008-jinja2-templates.md): an app's in
# <app>/jinja2/<app>/, the frame, error pages and shared macros in jinja2/; the environment
# (globals and filters) in kaigo/jinja2.py. The view's context wins over the context processors.
TEMPLATES = [
    {
        "BACKEND": "kaigo.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "kaigo.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaigo.shell.context_processors.shell",
            ],
        },
    },
    # Django's own engine only for the templates packages ship for it: the browsable pages of
    # Django REST framework (/api/ in a browser).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]
# Form widgets through Django's Jinja2 templates (django/forms/jinja2/).
FORM_RENDERER = "django.forms.renderers.Jinja2"

AUTH_USER_MODEL = "staff.Staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    # Offline list of ~4 million leaked passwords, with simple variants (docs/subsystems/accounts.md).
    {"NAME": "kaigo.staff.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failures (django-axes): the axes backend must come first.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "kaigo.staff.backends.StaffBackend"]
# KAIGO_TEMPORARY_PASSWORD_HOURS: a password set by an administrator stops working after this.
KAIGO_TEMPORARY_PASSWORD_HOURS = int(env("KAIGO_TEMPORARY_PASSWORD_HOURS", "72"))
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "kaigo.staff.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "kaigo.staff.lockout.lockout_response"
OTP_TOTP_ISSUER = "介護保険システム"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve static files from the app directories without collectstatic in development.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even when empty

CACHES = {
    "default": {
        "BACKEND": "kaigo.cache.RedisCache",  # one Redis client per pool (kaigo/cache.py)
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kaigo",
    }
}

# Sessions are written through to PostgreSQL and read from Redis: one database query fewer on
# every request. Nothing about access rests on the cached copy alone: the staff row (active flag,
# password hash) and the role grants are read from the database on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# KAIGO_SESSION_IDLE_MINUTES: a session ends after this long without activity.
SESSION_COOKIE_AGE = 60 * int(env("KAIGO_SESSION_IDLE_MINUTES", "30"))
# KAIGO_SESSION_MAX_HOURS: and at the latest this long after sign-in.
KAIGO_SESSION_MAX_AGE = 3600 * int(env("KAIGO_SESSION_MAX_HOURS", "10"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp), on every response in every mode: scripts and styles only
# from the application's own static files, never inline (no 'unsafe-inline', no nonce needed:
# no template has an inline <script>, <style>, style= or on*= attribute; htmx's indicator style is
# off through <meta name="htmx-config">), no plug-ins, no framing, forms sent only to the
# application. img-src allows data: for the second factor's QR code (an SVG data URI).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # KAIGO_SECURE_SSL_REDIRECT: redirect http to https in the application (off when the proxy does it).
    SECURE_SSL_REDIRECT = env_bool("KAIGO_SECURE_SSL_REDIRECT", False)
    # KAIGO_HSTS_SECONDS: Strict-Transport-Security max-age (default one year; 0 turns it off, for
    # a first deployment that is not yet sure of its certificate). Subdomains included; preload only
    # when KAIGO_HSTS_PRELOAD is set, since it is hard to undo.
    SECURE_HSTS_SECONDS = int(env("KAIGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("KAIGO_HSTS_PRELOAD", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kaigo.errors.api_exception_handler",
    # JSON only: the API serves programs; DRF's browsable pages are English and carry inline
    # scripts and styles that the Content-Security-Policy refuses.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kaigo API",
    "DESCRIPTION": "介護保険システム API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Celery: Redis as broker; results are kept in PostgreSQL (BatchRun), not in Celery.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged only after it ran, and re-queued when its worker process dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING below (with exception messages withheld), not Celery's own set-up.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# KAIGO_CELERY_QUEUE: the queue this deployment's workers consume (tests use their own).
CELERY_TASK_DEFAULT_QUEUE = env("KAIGO_CELERY_QUEUE", "kaigo")
# A running task whose worker lost the broker connection cannot be acknowledged any more, and Redis
# hands it on anyway: cancel it (its chunk's transaction rolls back) rather than finish it twice
# (Celery docs, worker_cancel_long_running_tasks_on_connection_loss; default True from Celery 6).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Workers wait for Redis to come back forever (the default gives up after 100 tries).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# KAIGO_CELERY_VISIBILITY_TIMEOUT: seconds before Redis hands an unacknowledged task (of a worker
# that vanished) to another worker. It must exceed the longest countdown of a retry (Celery docs,
# "Redis caveats": an ETA task is held unacknowledged and would be delivered again after it) and
# the longest chunk; batches do not wait for it: the supervisor (BATCH_STALL_AFTER) re-queues sooner.
# socket_timeout: a publish to a Redis that vanished without closing the connection fails after
# 10 s instead of hanging (kombu's Redis transport options); health_check_interval: the consumer's
# check of its connections.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("KAIGO_CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "health_check_interval": 10,
}
# KAIGO_CELERY_EAGER: run tasks in-process (unit tests of services only).
CELERY_TASK_ALWAYS_EAGER = env_bool("KAIGO_CELERY_EAGER", False)

# Batch framework (kaigo.batches): retry policy of a failed chunk.
# KAIGO_BATCH_MAX_RETRIES: retries of a chunk before it is marked failed.
BATCH_MAX_RETRIES = int(env("KAIGO_BATCH_MAX_RETRIES", "3"))
# KAIGO_BATCH_RETRY_BACKOFF: seconds before the first retry; doubled each time.
BATCH_RETRY_BACKOFF = float(env("KAIGO_BATCH_RETRY_BACKOFF", "10"))
# KAIGO_BATCH_SUPERVISE_EVERY: seconds between two passes of the supervisor (beat job
# batches-supervise, kaigo/celery.py).
BATCH_SUPERVISE_EVERY = float(env("KAIGO_BATCH_SUPERVISE_EVERY", "30"))
# KAIGO_BATCH_STALL_AFTER: seconds without progress after which the supervisor re-queues a run's
# chunks that have no live task, and marks it stalled when that does not help. Longer than the
# longest chunk takes; with the pass every 30 s a stall is acted on within about two minutes.
BATCH_STALL_AFTER = float(env("KAIGO_BATCH_STALL_AFTER", "90"))

# KAIGO_PAYMENT_HOLD_MARGIN: a payment of a payment file more than this many yen above what the
# person's fiscal year still owes on its bills is held for a clerk's decision (保留), not applied
# (docs/subsystems/payment-feed.md). 0: anything beyond the year's open amount is held.
KAIGO_PAYMENT_HOLD_MARGIN = int(env("KAIGO_PAYMENT_HOLD_MARGIN", "0"))
# KAIGO_REGISTRY_INBOX: the directory where the city's linkage drops resident-registry change
# files (*.csv); the nightly intake takes each one and moves it to <inbox>/done/.
KAIGO_REGISTRY_INBOX = env("KAIGO_REGISTRY_INBOX", str(BASE_DIR / "var" / "registry-inbox"))

# Field encryption keys (kaigo/crypto/keyring.py). KAIGO_KEYRING: the keyring JSON itself
# (e.g. from a secret store); else KAIGO_KEYRING_FILE: a keyring file, created for development
# by `manage.py keys_create`. Production requires one of them and refuses a development keyring.
# (Read from os.environ directly: KAIGO_KEYRING_FILE is a path the key commands also write to,
# not the *_FILE form of KAIGO_KEYRING.)
KAIGO_KEYRING = os.environ.get("KAIGO_KEYRING") or None
KAIGO_KEYRING_FILE = os.environ.get("KAIGO_KEYRING_FILE") or str(BASE_DIR / "var" / "keyring.json")

# KAIGO_AUDIT_HEADS_PATH: the append-only file, outside the database, to which every sealing pass
# of the audit chains writes their signed heads (audit/heads.py, docs/subsystems/audit.md "Heads
# outside the database"); audit_verify checks the database against it. A deployment keeps it off
# the database server and ships it to another machine (docs/deployment.md). Empty: no heads.
KAIGO_AUDIT_HEADS_PATH = env("KAIGO_AUDIT_HEADS_PATH", str(BASE_DIR / "var" / "audit-heads.jsonl"))

# KAIGO_TRUSTED_PROXIES: comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24) of the
# reverse proxies whose X-Forwarded-For and terminal-id header the access log believes. Empty:
# believe none (REMOTE_ADDR is the terminal).
KAIGO_TRUSTED_PROXIES = env_list("KAIGO_TRUSTED_PROXIES", "")
# KAIGO_TERMINAL_ID_HEADER: request.META key of the header in which the trusted proxy passes the
# terminal id taken from the client certificate.
KAIGO_TERMINAL_ID_HEADER = env("KAIGO_TERMINAL_ID_HEADER", "HTTP_X_TERMINAL_ID")

# KAIGO_BENCH: mount the benchmarks' reference views under /bench/ (bench/views.py). Never in production.
KAIGO_BENCH = env_bool("KAIGO_BENCH", False)

# KAIGO_SYNTHETIC_DATA: show the "synthetic data" banner on every screen (demo cities).
KAIGO_SYNTHETIC_DATA = env_bool("KAIGO_SYNTHETIC_DATA", not PRODUCTION)
# KAIGO_ORGANISATION_NAME: shown in the header.
KAIGO_ORGANISATION_NAME = env("KAIGO_ORGANISATION_NAME", "健康福祉局 介護保険課")
# KAIGO_INSURER_NUMBER / KAIGO_INSURER_NAME: the insurer (保険者) printed on cards and certificates
# (証記載保険者番号, 6 digits, and its name). Confirm the number against the 国保連 master.
KAIGO_INSURER_NUMBER = env("KAIGO_INSURER_NUMBER", "141309")
KAIGO_INSURER_NAME = env("KAIGO_INSURER_NAME", "川崎市")
# KAIGO_WARD_VIEW_SCOPE: which residents ward-office staff may search and open
# (eligibility/residents/scope.py): "city" (default: any resident; those outside the own ward are
# flagged in the access log) or "ward" (only their own ward's residents). Updates are limited to
# the own ward either way.
# KAIGO_LATE_CHARGE_FROM: the first fiscal year whose premiums bear a late charge (延滞金) under the
# city's 条例 (地方自治法 §231の3(2)); empty: the city charges none. premiums.arrears.selectors.arrears_plan
_late_charge_from = env("KAIGO_LATE_CHARGE_FROM", "" if PRODUCTION else "2024") or ""
if _late_charge_from and not (_late_charge_from.isascii() and _late_charge_from.isdigit() and len(_late_charge_from) == 4):
    raise ImproperlyConfigured("KAIGO_LATE_CHARGE_FROM must be a fiscal year (e.g. 2026) or empty")
KAIGO_LATE_CHARGE_FROM: int | None = int(_late_charge_from) if _late_charge_from else None
# KAIGO_BANK_SENDER: the city as 振込依頼人 of its transfer files (kaigo/bank): "依頼人コード,依頼人名(ｶﾅ),
# 銀行番号,支店番号,預金種目,口座番号"; empty in production until set (no transfer file can be written)
KAIGO_BANK_SENDER = env("KAIGO_BANK_SENDER", "" if PRODUCTION else "0000000001,ｶﾜｻｷｼ ｶｲｺﾞﾎｹﾝｶ,0001,001,1,0000001")
KAIGO_WARD_VIEW_SCOPE = env("KAIGO_WARD_VIEW_SCOPE", "city")
if KAIGO_WARD_VIEW_SCOPE not in {"city", "ward"}:
    raise ImproperlyConfigured("KAIGO_WARD_VIEW_SCOPE must be 'city' or 'ward'")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "kaigo.logging.RedactExceptionText"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("KAIGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # 4xx are noise; 5xx are logged with the exception's message withheld (kaigo/logging.py).
        "django.request": {"level": "ERROR"},
    },
}


def _check_production() -> None:
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY or "") < 50:
        problems.append("DJANGO_SECRET_KEY is the development key or too short")
    if DEBUG:
        problems.append("DJANGO_DEBUG is on")
    if KAIGO_BENCH:
        problems.append("KAIGO_BENCH is on")
    if not ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS is empty")
    if env("DATABASE_URL") is None:
        problems.append("DATABASE_URL is not set")
    if env("REDIS_URL") is None:
        problems.append("REDIS_URL is not set")
    if not os.environ.get("KAIGO_KEYRING") and not os.environ.get("KAIGO_KEYRING_FILE"):
        problems.append("neither KAIGO_KEYRING nor KAIGO_KEYRING_FILE is set")
    if problems:
        raise ImproperlyConfigured("production mode refuses to start: " + "; ".join(problems))


if PRODUCTION:
    _check_production()
