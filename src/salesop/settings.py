"""salesop settings: every knob is an environment variable SALESOP_* (see README, Configuration)."""

import secrets
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from salesop.core.env import email_settings, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SALESOP_DATA_DIR", "salesop-data")).expanduser().resolve()

DEBUG = env_bool("SALESOP_DEBUG", False)

SECRET_KEY = env_str("SALESOP_SECRET_KEY")
if not SECRET_KEY and (DATA_DIR / "secret_key").is_file():
    # Written by `salesop demo`, readable only by its owner.
    SECRET_KEY = (DATA_DIR / "secret_key").read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SALESOP_SECRET_KEY is not set. Set it (or SALESOP_SECRET_KEY_FILE) to a long random "
            "string, e.g. the output of:\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    warnings.warn(
        "SALESOP_SECRET_KEY is not set: using a random key, sessions end on restart.", stacklevel=1
    )
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("SALESOP_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SALESOP_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "salesop.web.views.csrf_failure"

INSTALLED_APPS = [
    "salesop.web.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "axes",
    "csp",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes, for a lost phone
    "salesop.core",
    "salesop.accounts",
    "salesop.customers",
    "salesop.playbook",
    "salesop.deals",
    "salesop.leads",
    "salesop.pricing",
    "salesop.contracts",
    "salesop.aftersales",
    "salesop.insights",
    "salesop.enablement",
    "salesop.activities",
    "salesop.monitor",
    "huey.contrib.djhuey",
    "salesop.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, which answers static files itself: they carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below the header middleware, so the JSON it makes of an API error carries their headers.
    "salesop.core.api.ApiErrorMiddleware",
    # Above CommonMiddleware's Host check: a load balancer probes by address (README, Health).
    "salesop.monitor.middleware.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "salesop.accounts.middleware.ApiTokenMiddleware",
    "salesop.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "salesop.accounts.middleware.HtmxLoginMiddleware",
    "salesop.core.audit.AuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesop.urls"
WSGI_APPLICATION = "salesop.wsgi.application"

# Plain inputs, selects and text areas drawn in Python, the rest through templates
# (salesop.core.widgets): a third of a form-heavy page's CPU went to widget templates.
FORM_RENDERER = "salesop.core.widgets.Renderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "salesop.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in WAL mode under the data directory, or SALESOP_DATABASE_URL.
# SQLite keeps each thread's connection open (CONN_MAX_AGE None): with a connection per request,
# every write opened the database, its WAL and wal-index files, read the schema, and the last
# connection to close checkpointed, fsynced and deleted the WAL and wal-index, which the next
# request created again. Those file operations are where SQLite reports "disk I/O error" when the
# disk falters, and where WAL recovery runs; with open connections a write only reads and
# appends (issue 21, bench/RESULTS.md "SQLite: concurrent API writers"). Writers queue for the
# one write lock (BEGIN IMMEDIATE, so a transaction never fails upgrading a read) for up to
# `timeout` seconds. WAL mode belongs to the database file: set once after migrate
# (salesop.core.apps), not on every connection. The WAL is no longer deleted when the last
# connection closes, so journal_size_limit truncates it after a checkpoint resets it.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA synchronous=NORMAL; PRAGMA mmap_size=134217728; PRAGMA cache_size=-20000; "
        "PRAGMA journal_size_limit=67108864;"
    ),
}
DATABASE_URL = env_str("SALESOP_DATABASE_URL")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("SALESOP_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"SALESOP_DATABASE_URL is not a database URL: {exc}") from exc
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"] = SQLITE_OPTIONS
        _db["CONN_MAX_AGE"] = None
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "salesop.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
        "CONN_MAX_AGE": None,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("SALESOP_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts and passwords
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "salesop.accounts.backends.OpsPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SALESOP_SESSION_DAYS", 14) * 86400

# Lockout after repeated login failures, per user name and address.
AXES_FAILURE_LIMIT = env_int("SALESOP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SALESOP_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "salesop.accounts.views.locked_out"
AXES_VERBOSE = False

# Second factor (TOTP, django-otp): any user may turn it on; those who may enter the admin (sales
# ops, superusers) must have one and have entered a code in this session before any admin page.
# API tokens are a separate credential and are not asked for a code. Turning it on also gives
# one-time recovery codes (django-otp's static device), each usable once in place of a code.
OTP_REQUIRED_FOR_ADMIN = env_bool("SALESOP_OTP_REQUIRED_FOR_ADMIN", True)
OTP_TOTP_ISSUER = "salesop"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin lists devices, never their secrets
OTP_LOGIN_CODE_SECONDS = 300  # how long the code step waits after the right password

# Background jobs (huey): SQLite in the data directory, or Redis across machines.
HUEY_IMMEDIATE = env_bool("SALESOP_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "salesop", "url": REDIS_URL}
else:
    # huey opens its queue file as soon as the app loads: the directory must exist by then.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "salesop",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
    }
HUEY.update(
    immediate=HUEY_IMMEDIATE,  # set explicitly: djhuey would follow DEBUG
    utc=True,
    consumer={
        "workers": env_int("SALESOP_WORKER_THREADS", 2),
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
    },
)

# Supervision of the worker itself. Its sweep runs every minute; past SWEEP_STALE_AFTER without
# one, /health/ answers 503, the ops home page warns and ops are told (by the web server, since
# the worker is what stopped). `salesop serve` restarts a worker that stopped after
# WORKER_RESTART_SECONDS, doubling while it keeps stopping within a minute, up to a minute.
SWEEP_STALE_AFTER = timedelta(seconds=env_int("SALESOP_SWEEP_STALE_SECONDS", 300))
WORKER_RESTART_SECONDS = env_int("SALESOP_WORKER_RESTART_SECONDS", 1)
# A running job (import, export, training, nightly or monthly work) beats JOB_STALE_AFTER / 6;
# one that ran on another machine and stopped beating for JOB_STALE_AFTER is taken as stopped
# (on the same machine the sweep asks the operating system whether its process is alive).
JOB_STALE_AFTER = timedelta(seconds=env_int("SALESOP_JOB_STALE_SECONDS", 120))
if min(SWEEP_STALE_AFTER, JOB_STALE_AFTER) < timedelta(seconds=1) or WORKER_RESTART_SECONDS < 0:
    raise ImproperlyConfigured(
        "SALESOP_SWEEP_STALE_SECONDS and SALESOP_JOB_STALE_SECONDS must be at least 1, "
        "SALESOP_WORKER_RESTART_SECONDS at least 0."
    )

# Where links in emails and chat messages point.
BASE_URL = env_str("SALESOP_BASE_URL", "http://127.0.0.1:8000")
# Webhook receivers: hosts allowed (empty: any public host); private addresses only if allowed.
WEBHOOK_ALLOWED_HOSTS = env_list("SALESOP_WEBHOOK_ALLOWED_HOSTS", [])
WEBHOOK_ALLOW_PRIVATE = env_bool("SALESOP_WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("SALESOP_WEBHOOK_TIMEOUT_SECONDS", 5)

# Spreadsheet imports: the largest file accepted.
IMPORT_MAX_BYTES = env_int("SALESOP_IMPORT_MAX_MB", 200) * 1024 * 1024
# ... and the most rows it holds (more are refused at upload, naming the count).
IMPORT_MAX_ROWS = env_int("SALESOP_IMPORT_MAX_ROWS", 1_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file

# Restore: the most a backup may unpack to (and never more than the free disk space).
RESTORE_MAX_BYTES = env_int("SALESOP_RESTORE_MAX_MB", 10240) * 1024 * 1024
if RESTORE_MAX_BYTES < 1:
    raise ImproperlyConfigured("SALESOP_RESTORE_MAX_MB must be at least 1.")

# Contracts: the selling company named as a party, and the largest signed copy accepted.
COMPANY_NAME = env_str("SALESOP_COMPANY_NAME", "")
CONTRACT_UPLOAD_MAX_BYTES = env_int("SALESOP_CONTRACT_UPLOAD_MAX_MB", 20) * 1024 * 1024
# Each Word document is rendered from its uploaded template in a child process within these.
DOCUMENT_RENDER_SECONDS = env_int("SALESOP_DOCUMENT_RENDER_SECONDS", 20)
DOCUMENT_RENDER_MB = env_int("SALESOP_DOCUMENT_RENDER_MB", 1024)
# Renderings at once per server process (each worst case DOCUMENT_RENDER_MB of memory).
DOCUMENT_RENDERS_AT_ONCE = env_int("SALESOP_DOCUMENT_RENDERS_AT_ONCE", 2)

# Reports: revenue and spend are summed in this currency; other currencies are not converted.
REPORT_CURRENCY = env_str("SALESOP_REPORT_CURRENCY", "CNY").upper()
if len(REPORT_CURRENCY) != 3 or not REPORT_CURRENCY.isalpha():
    raise ImproperlyConfigured(
        f"SALESOP_REPORT_CURRENCY={REPORT_CURRENCY!r}: use an ISO 4217 code such as CNY."
    )

# Public lead intake: submissions per channel per minute.
INTAKE_RATE_PER_MINUTE = env_int("SALESOP_INTAKE_RATE_PER_MINUTE", 120)
API_RATE_PER_MINUTE = env_int("SALESOP_API_RATE_PER_MINUTE", 600)
# The customer's support link: submissions (tickets, messages) per link per minute, and
# tickets opened through it in 24 hours and still open.
PORTAL_POSTS_PER_MINUTE = env_int("SALESOP_PORTAL_POSTS_PER_MINUTE", 10)
PORTAL_OPEN_TICKETS_PER_DAY = env_int("SALESOP_PORTAL_OPEN_TICKETS_PER_DAY", 20)

# API tokens
API_TOKEN_DEFAULT_DAYS = env_int("SALESOP_API_TOKEN_DAYS", 90)

# Language and time
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LANGUAGE_CODE = env_str("SALESOP_LANGUAGE", "zh-hans").lower()
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"SALESOP_LANGUAGE={LANGUAGE_CODE!r}: use zh-hans or en.")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("SALESOP_TIME_ZONE", "Asia/Shanghai")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"SALESOP_TIME_ZONE={TIME_ZONE!r} is not a known time zone."
    ) from None

# Files
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email
EMAIL_URL = env_str("SALESOP_EMAIL_URL", "console://")
globals().update(email_settings(EMAIL_URL))
# How long one exchange with the mail server may wait before the message is retried later
# (Django's default is to wait for ever, holding the worker).
EMAIL_TIMEOUT = env_int("SALESOP_EMAIL_TIMEOUT_SECONDS", 30)
DEFAULT_FROM_EMAIL = env_str("SALESOP_FROM_EMAIL", "salesop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. HTTPS is on unless DEBUG or SALESOP_HTTPS=false (plain HTTP on a trusted host).
HTTPS = env_bool("SALESOP_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's plain-HTTP probe must see the real status, not a redirect it reads as 200.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SALESOP_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SALESOP_HSTS_PRELOAD", HTTPS)
BEHIND_PROXY = env_bool("SALESOP_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": env_str("SALESOP_LOG_LEVEL", "INFO").upper()},
    "loggers": {"axes": {"level": "WARNING"}},
}
