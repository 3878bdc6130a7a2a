"""Palermo settings. Everything lives here; dev/test only override. Production is env vars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from palermo.settings.env import (
    BASE_DIR,
    audit_key,
    data_dir,
    env_bool,
    env_str,
    field_keys,
    name_index_key,
    node_key,
    secret_key,
)

DATA_DIR = data_dir()
SECRET_KEY = secret_key()
DEBUG = env_bool("PALERMO_DEBUG", False)
ALLOWED_HOSTS = [h for h in env_str("PALERMO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("PALERMO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# A form sent with a missing or stale CSRF token: our page in the layout (palermo.web.errors).
CSRF_FAILURE_VIEW = "palermo.web.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",  # before palermo.core: its failed-login receiver runs first (palermo.core.lockout)
    "palermo.core",
    "palermo.registry",
    "palermo.cases",
    "palermo.cooperation",
    "palermo.statistics",
    "palermo.monitoring",
    "palermo.linkage",
    "palermo.caselaw",
    "palermo.activities",
    "palermo.intake",
    "palermo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "palermo.core.api_errors.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "palermo.core.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "palermo.core.middleware.SessionTimeoutMiddleware",
    "palermo.core.middleware.PasswordChangeMiddleware",
    "palermo.core.middleware.PrivateResponseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into our lockout page
]

ROOT_URLCONF = "palermo.urls"
WSGI_APPLICATION = "palermo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "palermo.web.context_processors.navigation",
            ],
        },
    },
]

# PALERMO_DB_CONN_MAX_AGE: a web thread keeps its database connection this many seconds
# (checked before reuse), instead of opening and closing one per request.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "sqlite:///{}".format(DATA_DIR / "palermo.sqlite3")),
        conn_max_age=int(env_str("PALERMO_DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding with statements prepared on the server from their first use
    # (PALERMO_DB_PREPARE_THRESHOLD executions; "off": never): PostgreSQL plans each of the few
    # dozen statements a page runs once per connection instead of on every request, which cuts its
    # CPU per request by about three quarters (README, Performance). Behind a pooler that does not
    # follow prepared statements (PgBouncer before 1.21 in transaction mode), set it to "off".
    _prepare = env_str("PALERMO_DB_PREPARE_THRESHOLD", "1").strip().lower()
    if _prepare != "off":
        if not _prepare.isdigit():
            raise ImproperlyConfigured(
                "PALERMO_DB_PREPARE_THRESHOLD must be a whole number or 'off', not {!r}".format(
                    _prepare
                )
            )
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(_prepare)}
        )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with writers queued at a gate (palermo/core/sqlite/base.py): the next
    # transaction starts as soon as the last one commits, not after SQLite's busy sleeps.
    DATABASES["default"]["ENGINE"] = "palermo.core.sqlite"
    # WAL lets readers continue while a writer commits; IMMEDIATE takes the write lock at BEGIN
    # (no failed lock upgrades); a writer waits up to 20 s for the lock (timeout = busy_timeout).
    # synchronous=NORMAL: in WAL mode a commit is not fsynced, the WAL is at checkpoints; the
    # database cannot be corrupted, and only a power cut (not a crash of Palermo) can lose the
    # last commits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# `palermo serve`: web server processes (0: one per CPU, 2 to 8) and threads in each (4: the
# requests are mostly CPU in Python; more threads per process only take turns at the GIL, and
# the 95th percentile under load grows; see README, Performance).
PALERMO_WEB_WORKERS = int(env_str("PALERMO_WEB_WORKERS", "0"))
PALERMO_WEB_THREADS = int(env_str("PALERMO_WEB_THREADS", "4"))
# The outbox delivery loop is woken by each new message; it also looks every this many seconds
# (for messages written on another machine sharing the database).
PALERMO_DELIVERY_POLL_SECONDS = float(env_str("PALERMO_DELIVERY_POLL_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Logins are throttled (django-axes, palermo.core.lockout): after PALERMO_LOGIN_FAILURE_LIMIT
# failed logins for one username from one client address, that pair is refused for
# PALERMO_LOGIN_LOCKOUT_MINUTES (counted from the lockout), even with the right password;
# `palermo user unlock NAME` lifts it. Behind the TLS proxy (PALERMO_TLS_PROXY) the client address
# is the one the proxy puts in X-Forwarded-For, else the connection's.
AUTHENTICATION_BACKENDS = [
    "palermo.core.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env_str("PALERMO_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(env_str("PALERMO_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "palermo.core.lockout.client_ip"
AXES_CLIENT_STR_CALLABLE = "palermo.core.lockout.client_str"
AXES_LOCKOUT_CALLABLE = "palermo.core.lockout.lockout_response"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins: no table of addresses and browsers
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# API tokens (palermo.core.services, palermo.core.throttle): valid PALERMO_TOKEN_DAYS unless
# issued for fewer (at most PALERMO_TOKEN_MAX_DAYS); after PALERMO_TOKEN_FAILURE_LIMIT invalid
# bearer tokens from one client address within PALERMO_TOKEN_FAILURE_WINDOW_MINUTES, that address
# gets 429 until the window ends.
PALERMO_TOKEN_DAYS = int(env_str("PALERMO_TOKEN_DAYS", "90"))
PALERMO_TOKEN_MAX_DAYS = int(env_str("PALERMO_TOKEN_MAX_DAYS", "366"))
PALERMO_TOKEN_FAILURE_LIMIT = int(env_str("PALERMO_TOKEN_FAILURE_LIMIT", "20"))
PALERMO_TOKEN_FAILURE_WINDOW_MINUTES = int(env_str("PALERMO_TOKEN_FAILURE_WINDOW_MINUTES", "15"))

# The public report form (palermo.intake.abuse): reports per network per hour, with and without
# the proof of work (the form works without JavaScript, with the lower limit); the proof's
# difficulty in bits; at most this many reports in one bulk action of the triage queue.
PALERMO_INTAKE_REPORTS_PER_HOUR = int(env_str("PALERMO_INTAKE_REPORTS_PER_HOUR", "20"))
PALERMO_INTAKE_REPORTS_PER_HOUR_WITHOUT_PROOF = int(
    env_str("PALERMO_INTAKE_REPORTS_PER_HOUR_WITHOUT_PROOF", "5")
)
PALERMO_INTAKE_POW_BITS = int(env_str("PALERMO_INTAKE_POW_BITS", "16"))
PALERMO_INTAKE_BULK_MAX = 200

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
    ("zh-hans", _("Chinese")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "palermo" / "locale"]
USE_I18N = True
# Formats Django lacks for a UN language (the Arabic date and time): palermo/core/formats/.
FORMAT_MODULE_PATH = ["palermo.core.formats"]
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
# PALERMO_STATIC_ROOT: where `collectstatic` puts the static files (the container image keeps
# them in the image, outside the data volume, so an upgrade never serves stale ones).
STATIC_ROOT = Path(env_str("PALERMO_STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Static files are served from STATIC_ROOT (collected and compressed by `collectstatic`); only a
# development or test node serves them from the apps' folders as they are.
WHITENOISE_USE_FINDERS = DEBUG

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Progress of long work started from pages (palermo.core.jobs): the task worker writes it and the
# web server reads it while the work's transaction is still open, so it is kept outside the
# database, in files under PALERMO_PROGRESS_DIR (default: the data directory's "progress"; a
# folder both the web server and the worker see). Counts only, never a record's content.
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(
            Path(env_str("PALERMO_PROGRESS_DIR", str(DATA_DIR / "progress"))).resolve()
        ),
        "TIMEOUT": 24 * 3600,
    },
}

# --- Security: HTTPS, cookies, sessions, Content-Security-Policy -------------------------------
# (README "Running in production"; `palermo check --deploy` checks them, with palermo.core.checks.)
# PALERMO_SECURE_COOKIES: cookies only over HTTPS. PALERMO_HTTPS (default: the same): the node is
# reached over HTTPS only, so plain HTTP is redirected (except /healthz, for the container's and
# the load balancer's health checks) and browsers are told so for PALERMO_HSTS_SECONDS.
# PALERMO_TLS_PROXY: a reverse proxy terminates TLS and says so in X-Forwarded-Proto; only set it
# when the node is reachable through that proxy alone (else anyone could claim HTTPS).
PALERMO_SECURE_COOKIES = env_bool("PALERMO_SECURE_COOKIES", False)
PALERMO_HTTPS = env_bool("PALERMO_HTTPS", PALERMO_SECURE_COOKIES)
PALERMO_TLS_PROXY = env_bool("PALERMO_TLS_PROXY", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PALERMO_SECURE_COOKIES or PALERMO_HTTPS
if SESSION_COOKIE_SECURE:
    # "__Host-": the browser keeps the cookie only if Secure, for this host, on path "/".
    SESSION_COOKIE_NAME = "__Host-palermo_session"
    CSRF_COOKIE_NAME = "__Host-palermo_csrftoken"
SECURE_SSL_REDIRECT = PALERMO_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env_str("PALERMO_HSTS_SECONDS", "31536000")) if PALERMO_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PALERMO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("PALERMO_HSTS_PRELOAD", False)
if PALERMO_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions: the cookie dies with the browser; on the server a session ends after
# PALERMO_SESSION_IDLE_MINUTES without a request and PALERMO_SESSION_MAX_HOURS after login
# (palermo.core.middleware.SessionTimeoutMiddleware). Expired rows are cleared by the scheduler.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(float(env_str("PALERMO_SESSION_MAX_HOURS", "8")) * 3600)
PALERMO_SESSION_IDLE_SECONDS = int(float(env_str("PALERMO_SESSION_IDLE_MINUTES", "30")) * 60)

# Content-Security-Policy (Django's, on every response): scripts and styles only from the node's
# own static files; no inline code anywhere. A page that ever needs an inline script writes
# `<script nonce="{{ csp_nonce }}">`; the nonce then appears in the header for that response.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Logs never carry personal data: only ids, codes and counts are logged by Palermo code.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PALERMO_LOG_LEVEL", "INFO")},
    # axes: its failures and lockouts (the username only, palermo.core.lockout.client_str).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Pagination for API lists.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 500

# The audit log refuses UPDATE/DELETE at the database level (palermo.core.dbguard).
PALERMO_AUDIT_DB_GUARD = env_bool("PALERMO_AUDIT_DB_GUARD", True)

# Field-level encryption of identifying data (palermo.core.crypto); newest key first.
FIELD_ENCRYPTION_KEYS = field_keys()
# The audit log: its MAC key, where signed checkpoints of its head are kept (outside the database)
# and how often the scheduler signs one (palermo.core.checkpoints; README "Keys, audit log and
# backups").
PALERMO_AUDIT_KEY = audit_key()
# The blind index of names (palermo.cases.names): its HMAC key, apart from the data and the
# field keys (`palermo cases reindex-names` rebuilds the index after the key changes).
PALERMO_NAME_INDEX_KEY = name_index_key()
PALERMO_CHECKPOINT_DIR = Path(
    env_str("PALERMO_CHECKPOINT_DIR", str(DATA_DIR / "checkpoints"))
).resolve()
PALERMO_AUDIT_CHECKPOINT_MINUTES = float(env_str("PALERMO_AUDIT_CHECKPOINT_MINUTES", "10"))

# Closed cases are anonymised this many days after closure unless a CountryPolicy says otherwise.
PALERMO_CASE_RETENTION_DAYS = int(env_str("PALERMO_CASE_RETENTION_DAYS", str(5 * 365)))

# Node-to-node cooperation (palermo.cooperation): this node's name and Ed25519 private key
# (base64 of the raw 32 bytes), and the largest signed message the inbox accepts.
PALERMO_NODE_NAME = env_str("PALERMO_NODE_NAME", "local")
PALERMO_NODE_KEY = node_key()
PALERMO_NODE_MAX_MESSAGE_BYTES = int(env_str("PALERMO_NODE_MAX_MESSAGE_BYTES", str(1024 * 1024)))

SILENCED_SYSTEM_CHECKS = [
    # SQLite ignores the id that the case list index includes for PostgreSQL's index-only scans.
    "models.W040",
    # HSTS preload is the domain owner's decision (a submission to the browsers' list, hard to
    # undo), not the application's: PALERMO_HSTS_PRELOAD=1 adds the directive.
    "security.W021",
]
