"""Django settings, read from the environment (see docs/operations.md: Configuration)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url

from unstuck.environment import data_dir, default_database_url, env_bool, secret_key, trusted_proxies

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = secret_key()
DEBUG = env_bool("UNSTUCK_DEBUG")
UNSTUCK_BASE_URL = os.environ.get("UNSTUCK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The host names this server answers to (see docs/security.md): by default the base URL's host and
# this machine's loopback names, so a forged Host header cannot steer links in e-mails.
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()] or list(
    dict.fromkeys([urlsplit(UNSTUCK_BASE_URL).hostname or "localhost", "localhost", "127.0.0.1", "[::1]"])
)
CSRF_TRUSTED_ORIGINS = [UNSTUCK_BASE_URL]
# The reverse proxies in front of `unstuck serve` (addresses or networks, comma-separated), whose
# X-Forwarded-For and X-Forwarded-Proto are believed; how many proxies in a row add to X-Forwarded-For.
UNSTUCK_TRUSTED_PROXIES = trusted_proxies(os.environ.get("UNSTUCK_TRUSTED_PROXY", ""))
UNSTUCK_TRUSTED_PROXY_COUNT = int(os.environ.get("UNSTUCK_TRUSTED_PROXY_COUNT", "1"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "unstuck.core",
    "unstuck.accounts",
    "unstuck.calendars",
    "unstuck.processes",
    "unstuck.customers",
    "unstuck.tracking",
    "unstuck.stalls",
    "unstuck.cases",
    "unstuck.casework",
    "unstuck.messaging",
    "unstuck.portal",
    "unstuck.desk",
    "unstuck.insights",
    "unstuck.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "unstuck.core.middleware.EdgeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "unstuck.core.nul_guard.NulGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "unstuck.desk.middleware.ProfileLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "unstuck.urls"
WSGI_APPLICATION = "unstuck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(os.environ.get("DATABASE_URL") or default_database_url(), conn_max_age=600)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
            # two writers queue on busy_timeout instead of failing with "database is locked" mid-way.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            # Python's sqlite3 caches 128 compiled statements per connection by default; batch
            # inserts of varying length each get their own entry, which grew a large import by ~55 MB.
            "cached_statements": 8,
        }
        # Tests use a file too (not Django's shared in-memory database), so they lock and run
        # concurrently the way a real deployment does.
        config["TEST"] = {
            "NAME": os.environ.get("UNSTUCK_TEST_SQLITE_NAME") or str(data_dir() / "test.sqlite3")
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "unstuck@localhost")

LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "desk:board"
LOGOUT_REDIRECT_URL = "desk:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("UNSTUCK_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected files (if `collectstatic` ran) live in the data dir; WhiteNoise also serves straight from
# the installed apps (WHITENOISE_USE_FINDERS), so a fresh install needs no build step.
STATIC_ROOT = Path(os.environ.get("UNSTUCK_STATIC_ROOT", "") or (data_dir() / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app directories too, so `unstuck serve` works before collectstatic.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = UNSTUCK_BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Security headers (see docs/security.md). Scripts only from our own files; inline style attributes
# stay allowed (templates and HTMX's indicator style use them), inline and eval'd scripts do not.
UNSTUCK_CONTENT_SECURITY_POLICY = os.environ.get(
    "UNSTUCK_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# HSTS (sent on https requests only) when the base URL is https; 0 turns it off.
SECURE_HSTS_SECONDS = int(
    os.environ.get("UNSTUCK_HSTS_SECONDS", "31536000" if SESSION_COOKIE_SECURE else "0")
)
# The API docs UI and schema (/api/v1/docs, /api/v1/openapi.json) need a signed-in user unless public.
UNSTUCK_API_DOCS_PUBLIC = env_bool("UNSTUCK_API_DOCS_PUBLIC")

# Sign-in (see docs/security.md): every password sign-in goes through one backend with the lockout
# of a username from an address (unstuck.desk.lockout); and this many failed sign-ins from one
# address within the window, whatever the usernames, refuse its further attempts with 429 before
# any password is hashed.
AUTHENTICATION_BACKENDS = ["unstuck.desk.signin.LockoutModelBackend"]
UNSTUCK_SIGNIN_ADDRESS_FAILURES = int(os.environ.get("UNSTUCK_SIGNIN_ADDRESS_FAILURES", "20"))
UNSTUCK_SIGNIN_ADDRESS_WINDOW_MINUTES = float(os.environ.get("UNSTUCK_SIGNIN_ADDRESS_WINDOW_MINUTES", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("UNSTUCK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 1000

# Ingest limits (see docs/api-limits.md). A request body over this size answers 413 body_too_large;
# 16 MiB leaves room for 10,000 realistic events (~4 MB) with longer attributes.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("UNSTUCK_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
# An event's `at` or `promised_at` more than this many days after now is refused (invalid_timestamp).
UNSTUCK_EVENT_MAX_FUTURE_DAYS = int(os.environ.get("UNSTUCK_EVENT_MAX_FUTURE_DAYS", "365"))

# Worker tuning (see docs/operations.md: Production).
# Rows per worker transaction. SQLite has one writer at a time: smaller batches keep each of the
# worker's transactions short, so event batches posted meanwhile wait well under a second for it.
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
UNSTUCK_WORKER_BATCH = int(os.environ.get("UNSTUCK_WORKER_BATCH") or (25 if _SQLITE else 500))
UNSTUCK_WORKER_IDLE_SECONDS = float(os.environ.get("UNSTUCK_WORKER_IDLE_SECONDS", "1.0"))
UNSTUCK_WORKER_JOBS = os.environ.get("UNSTUCK_WORKER_JOBS", "")  # empty: every registered job
# A deadline the worker finds more than this many days after it fell due (an import of old data) is
# recorded as a historical stall: no case, no message (see unstuck.stalls.services). 0 turns it off.
UNSTUCK_HISTORY_HORIZON_DAYS = float(os.environ.get("UNSTUCK_HISTORY_HORIZON_DAYS", "7"))
# An absent owner's open case is handed on when its SLA is due within this many minutes (or already
# warned or breached): see unstuck.cases.reassignment.
UNSTUCK_REASSIGN_HORIZON_MINUTES = int(os.environ.get("UNSTUCK_REASSIGN_HORIZON_MINUTES", "120"))

# Messages (docs/operations.md: Configuration). The outbox: batch per claim, lease of a send, retries.
UNSTUCK_OUTBOX_BATCH = int(os.environ.get("UNSTUCK_OUTBOX_BATCH", "100"))
UNSTUCK_OUTBOX_LEASE_SECONDS = float(os.environ.get("UNSTUCK_OUTBOX_LEASE_SECONDS", "120"))
UNSTUCK_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("UNSTUCK_OUTBOX_MAX_ATTEMPTS", "8"))
UNSTUCK_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("UNSTUCK_OUTBOX_BACKOFF_SECONDS", "30"))
UNSTUCK_OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("UNSTUCK_OUTBOX_BACKOFF_MAX_SECONDS", "21600"))
UNSTUCK_HTTP_TIMEOUT = float(os.environ.get("UNSTUCK_HTTP_TIMEOUT", "15"))
# Inbound replies: an IMAP mailbox to poll (imaps://user:pass@host:993/INBOX), and how often.
IMAP_URL = os.environ.get("IMAP_URL", "")
UNSTUCK_IMAP_POLL_SECONDS = float(os.environ.get("UNSTUCK_IMAP_POLL_SECONDS", "60"))

# The audit trail's anchors outside the database (docs/audit.md): the HMAC key (env, else a file
# created 0600 on first use) and the append-only file `unstuck audit anchor` writes the heads to.
UNSTUCK_AUDIT_KEY = os.environ.get("UNSTUCK_AUDIT_KEY", "")
UNSTUCK_AUDIT_KEY_FILE = os.environ.get("UNSTUCK_AUDIT_KEY_FILE") or str(data_dir() / "audit_key")
UNSTUCK_AUDIT_ANCHOR_FILE = os.environ.get("UNSTUCK_AUDIT_ANCHOR_FILE") or str(
    data_dir() / "audit_anchors.jsonl"
)

# How long a customer link (status page, confirmation, survey) stays valid, in days.
UNSTUCK_PORTAL_LINK_DAYS = float(os.environ.get("UNSTUCK_PORTAL_LINK_DAYS", "7"))
