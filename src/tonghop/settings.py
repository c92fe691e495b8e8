"""The one settings file of tonghop: every deployment choice comes from the environment.

Helpers fail loudly on bad values: a typo in a deployment's environment must stop the start,
not silently fall back to a default.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from tonghop import datadir

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more, not {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# All state of one install (database, uploaded and generated files, the secret key) lives in
# one data folder, so that a laptop install is one folder to back up.
DATA_DIR = Path(env_str("TONGHOP_DATA_DIR", "var")).resolve()

# A deployment on a server, behind TLS. Off, the defaults suit a laptop: http://127.0.0.1, no TLS.
PRODUCTION = env_bool("TONGHOP_PRODUCTION", False)

# The data folder holds live sessions, password hashes and keys: a server does not start while
# other accounts of the machine may open it (a laptop install is warned by `tonghop check`).
if PRODUCTION and DATA_DIR.is_dir() and datadir.is_open(DATA_DIR):
    raise ImproperlyConfigured(
        f"the data folder {DATA_DIR} (TONGHOP_DATA_DIR) can be opened by other accounts of this "
        f"computer (mode {DATA_DIR.stat().st_mode & 0o777:04o}); it holds sessions, password "
        f"hashes and keys. Make it private, then start again: {datadir.fix_command(DATA_DIR)}"
    )


def _secret_key() -> str:
    key = os.environ.get("TONGHOP_SECRET_KEY")
    if key:
        if PRODUCTION and (len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "TONGHOP_SECRET_KEY must be a long random value (50 characters or more)"
            )
        return key
    if PRODUCTION:
        # Secrets come from the environment only: a key file in the data folder would be
        # copied with every backup of it, and each app server would make its own.
        raise ImproperlyConfigured("TONGHOP_SECRET_KEY must be set when TONGHOP_PRODUCTION=true")
    # A laptop install has no secret manager: keep a generated key inside the data folder.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    datadir.make_folder(DATA_DIR)
    made = secrets.token_urlsafe(50).encode("ascii")
    return datadir.create_private_once(key_file, made).decode("ascii").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("TONGHOP_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TONGHOP_DEBUG must be false when TONGHOP_PRODUCTION=true")
if PRODUCTION and not os.environ.get("TONGHOP_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("TONGHOP_ALLOWED_HOSTS must be set when TONGHOP_PRODUCTION=true")
ALLOWED_HOSTS = env_list("TONGHOP_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("TONGHOP_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("TONGHOP_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin, with a site that copies every admin change into the audit log.
    "tonghop.audit.admin_config.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # Two-step verification (tonghop.twofactor): django-otp's devices, with their migrations.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tonghop.orgs",
    "tonghop.documents",
    "tonghop.campaigns",
    "tonghop.reports",
    "tonghop.compilation",
    "tonghop.portal",
    "tonghop.outbox",
    "tonghop.reminders",
    "tonghop.audit",
    # After django-otp's apps: its admin module replaces their device admins.
    "tonghop.twofactor",
    "tonghop.reports.links",
    "tonghop.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before everything that reads the database: a locked or unreachable database gives the
    # 503 page ("try again in a few minutes, nothing was lost"), not a 500 (tonghop.resilience).
    "tonghop.resilience.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tonghop.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the body: a body larger than its address takes is
    # refused unread (tonghop.upload_limits).
    "tonghop.upload_limits.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tonghop.twofactor.middleware.TwoFactorMiddleware",
    "tonghop.middleware.PasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees a view's exception first: a refusal a view let through becomes the
    # page's message, never a 500 (tonghop.errors).
    "tonghop.middleware.RefusalMiddleware",
]

ROOT_URLCONF = "tonghop.urls"
WSGI_APPLICATION = "tonghop.wsgi.application"

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
                "django.template.context_processors.i18n",
                "tonghop.outbox.context_processors.notifications",
            ],
        },
    },
]


# SQLite: how long (seconds) a writer waits for another one to finish before giving up (the page
# then says "busy, try again", see tonghop.resilience). A reporter's submission holds the lock
# for milliseconds; the longest writers (a campaign created for thousands of units, the
# worker's compilation) for a few seconds. 20 s covers those with room to spare, and stays
# below gunicorn's 30 s worker timeout and a proxy's usual 60 s, so a person waiting on a lock
# always gets an answer from tonghop, not from the proxy.
TONGHOP_SQLITE_BUSY_TIMEOUT = env_positive("TONGHOP_SQLITE_BUSY_TIMEOUT", 20)


def _sqlite_options() -> dict[str, Any]:
    return {
        # WAL lets readers go on while a report is written; IMMEDIATE takes the write lock at
        # the start of a transaction, so two writers queue (up to the busy timeout) instead of
        # failing; several server processes share one file this way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": TONGHOP_SQLITE_BUSY_TIMEOUT,
    }


# Seconds a server thread keeps its database connection between requests. Opening one costs
# more than a simple page (PostgreSQL starts a process for it; SQLite re-reads its settings),
# so it is kept, checked before reuse after an error or a restart of the database
# (TONGHOP_DB_HEALTH_CHECKS, on by default: one cheap query then, never on every request). Each
# server thread holds one: with PostgreSQL, servers × processes × threads (+ workers) must stay
# under its max_connections (100 by default). 0 closes the connection after every request.
TONGHOP_DB_CONN_MAX_AGE = env_int("TONGHOP_DB_CONN_MAX_AGE", 60)
if TONGHOP_DB_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured(
        f"TONGHOP_DB_CONN_MAX_AGE must be 0 or more seconds, not {TONGHOP_DB_CONN_MAX_AGE}"
    )
TONGHOP_DB_HEALTH_CHECKS = env_bool("TONGHOP_DB_HEALTH_CHECKS", True)

# PostgreSQL: values sent apart from the SQL (server-side binding), and a statement a connection
# has run twice prepared, so that PostgreSQL parses and plans it once per connection instead of
# on every run. In the rush this took PostgreSQL's own CPU a submission from about 5.2 ms to
# 3.1 ms (bench/load.py). Turn it off (TONGHOP_DB_PREPARED=false) behind a pooler in
# transaction mode older than PgBouncer 1.21, which cannot keep a connection's statements.
TONGHOP_DB_PREPARED = env_bool("TONGHOP_DB_PREPARED", True)


# PostgreSQL through psycopg's connection pool (one per server process): a request takes a
# connection that is already open and checked, and gives it back at its end, instead of each
# thread holding its own. Off by default: while the database is unreachable a pooled request
# waits up to TONGHOP_DB_POOL_TIMEOUT seconds for a connection before the "busy" page, where a
# kept connection fails at once; turn it on (TONGHOP_DB_POOL=true) where many threads share
# a database that is seldom down. A process opens no more connections than it has requests at
# once (its threads), one kept open when idle, and at most TONGHOP_DB_POOL_SIZE (16).
# Servers × processes × threads (+ workers) must still stay under max_connections.
TONGHOP_DB_POOL = env_bool("TONGHOP_DB_POOL", False)
TONGHOP_DB_POOL_SIZE = env_positive("TONGHOP_DB_POOL_SIZE", 16)
TONGHOP_DB_POOL_TIMEOUT = env_positive("TONGHOP_DB_POOL_TIMEOUT", 30)


def _postgres_pool() -> dict[str, Any]:
    from psycopg_pool import ConnectionPool

    return {
        "min_size": 1,
        "max_size": TONGHOP_DB_POOL_SIZE,
        "timeout": TONGHOP_DB_POOL_TIMEOUT,
        # A connection broken while it waited in the pool (the database restarted) is
        # replaced before a request gets it.
        "check": ConnectionPool.check_connection,
    }


def _databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        db: dict[str, Any] = dict(
            dj_database_url.parse(
                url,
                conn_max_age=TONGHOP_DB_CONN_MAX_AGE,
                conn_health_checks=TONGHOP_DB_HEALTH_CHECKS,
            )
        )
        if db["ENGINE"] == "django.db.backends.sqlite3":
            # A SQLite file named by URL (sqlite:////path) is run like the data folder's own.
            db["ENGINE"] = "tonghop.db"
            db["OPTIONS"] = {**_sqlite_options(), **db.get("OPTIONS", {})}
        elif db["ENGINE"] == "django.db.backends.postgresql":
            if TONGHOP_DB_PREPARED:
                prepared = {"server_side_binding": True, "prepare_threshold": 2}
                db["OPTIONS"] = {**db.get("OPTIONS", {}), **prepared}
            if TONGHOP_DB_POOL:
                # The pool keeps the connections; Django's own keeping must then be off.
                db["OPTIONS"] = {**db.get("OPTIONS", {}), "pool": _postgres_pool()}
                db["CONN_MAX_AGE"] = 0
        return {"default": db}
    return {
        "default": {
            # Django's SQLite backend, with writers taking turns (see tonghop.db.base).
            "ENGINE": "tonghop.db",
            "NAME": DATA_DIR / "tonghop.sqlite3",
            "OPTIONS": _sqlite_options(),
            "CONN_MAX_AGE": TONGHOP_DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": TONGHOP_DB_HEALTH_CHECKS,
            # Tests use a file too, not shared-cache memory: its table locks would make the
            # concurrency tests fail where a real install waits its turn.
            # One file per test process, so parallel runs never share (and delete) it.
            "TEST": {"NAME": Path(tempfile.gettempdir()) / f"tonghop-test-{os.getpid()}.sqlite3"},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (tonghop.audit.throttle): after this many failed sign-ins for one user name
# from one address, or for that many different user names from one address, within the lock
# time, further attempts from there are refused for the lock time (the owner elsewhere is not
# touched). Counted in the database, so every app server sees the same count. Offices behind one
# shared address (NAT) may raise the per-address limit.
AUTHENTICATION_BACKENDS = ["tonghop.audit.backends.ThrottledModelBackend"]
TONGHOP_LOGIN_ATTEMPTS = env_positive("TONGHOP_LOGIN_ATTEMPTS", 5)
# Different user names failing from one address before the address is locked for everyone.
TONGHOP_LOGIN_IP_ACCOUNTS = env_positive("TONGHOP_LOGIN_IP_ACCOUNTS", 10)
TONGHOP_LOGIN_LOCK_MINUTES = env_positive("TONGHOP_LOGIN_LOCK_MINUTES", 15)
# "Forgot password" (tonghop.people): the emailed link works once, for this long; one address
# and one account get at most this many links an hour, whatever is asked (no mail flood).
PASSWORD_RESET_TIMEOUT = 60 * env_positive("TONGHOP_RESET_MINUTES", 60)
TONGHOP_RESET_PER_HOUR = env_positive("TONGHOP_RESET_PER_HOUR", 3)
# An invitation's link (to set one's password) works once, for this many days.
TONGHOP_INVITATION_DAYS = env_positive("TONGHOP_INVITATION_DAYS", 7)

# Two-step verification (tonghop.twofactor) is offered to everyone; this makes it compulsory
# for office staff (specialists, heads, administrators), who are sent to its page until it is on.
TONGHOP_REQUIRE_2FA_FOR_STAFF = env_bool("TONGHOP_REQUIRE_2FA_FOR_STAFF", False)
OTP_TOTP_ISSUER = "tonghop"
# Administrators may reset a person's devices, never read their secret or backup codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only a deployment that runs collectstatic behind a web server sets this.
STATIC_ROOT = os.environ.get("TONGHOP_STATIC_ROOT") or None
# Serve straight from the apps' static folders: a laptop install needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"
# The key that signs the manifest of every backup (tonghop.backup), so that restore refuses an
# archive changed after it was made. Unset, the first backup makes DATA/backup_key. Never in an
# archive: keep a copy apart from them.
TONGHOP_BACKUP_KEY = env_str("TONGHOP_BACKUP_KEY", "")
if TONGHOP_BACKUP_KEY and len(TONGHOP_BACKUP_KEY) < 32:
    raise ImproperlyConfigured("TONGHOP_BACKUP_KEY must be a random value of 32 characters or more")
# Uploaded and generated files, and the folders made for them, are the server account's alone
# (tonghop.datadir), whatever the umask of the process that saves them.
FILE_UPLOAD_PERMISSIONS = datadir.FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = datadir.FOLDER_MODE

# Django's database sessions, their one read per request compiled once.
SESSION_ENGINE = "tonghop.db.sessions"
SESSION_COOKIE_AGE = env_int("TONGHOP_SESSION_SECONDS", 60 * 60 * 12)

# Security headers and cookies. TONGHOP_PRODUCTION turns on what `manage.py check --deploy` asks
# for; each piece can still be set on its own.
SESSION_COOKIE_SECURE = env_bool("TONGHOP_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Pages hand the CSRF token to htmx in `hx-headers` from the template; no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "tonghop.views.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("TONGHOP_SSL_REDIRECT", PRODUCTION)
# A load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("TONGHOP_HSTS_SECONDS", 60 * 60 * 24 * 365 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TONGHOP_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TONGHOP_HSTS_PRELOAD", False)
# The TLS proxy in front (nginx, a load balancer) says the request came over HTTPS, and whose
# address it came from (X-Forwarded-For, see tonghop.audit.throttle.client_ip). Only trust this
# when every request goes through that proxy.
TONGHOP_BEHIND_PROXY = env_bool("TONGHOP_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TONGHOP_BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A strict Content Security Policy, always on: scripts and styles from the site's own files only
# (no inline script or style attribute, no eval), images also as data: URLs (the favicon).
SECURE_CSP: dict[str, Any] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if SECURE_SSL_REDIRECT:
    SECURE_CSP["upgrade-insecure-requests"] = True
# Submitting a site to the browsers' HSTS preload list is a separate, lasting commitment for the
# whole domain (often a shared .gov.vn one): it is a choice (TONGHOP_HSTS_PRELOAD), so its
# reminder is silenced while the choice is "no".
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Incoming documents: the largest file taken, and the limits of the child process reading it.
TONGHOP_MAX_UPLOAD_BYTES = env_int("TONGHOP_MAX_UPLOAD_MB", 50) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
TONGHOP_INTAKE_TIMEOUT = env_int("TONGHOP_INTAKE_TIMEOUT", 900)
TONGHOP_INTAKE_MEMORY_MB = env_int("TONGHOP_INTAKE_MEMORY_MB", 2048)
# Files a unit attaches to its report (reports.attachments): the largest one, and how many.
TONGHOP_ATTACHMENT_MAX_BYTES = env_positive("TONGHOP_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
TONGHOP_ATTACHMENTS_PER_REPORT = env_positive("TONGHOP_ATTACHMENTS_PER_REPORT", 20)
# A file under attachments/ that no attachment names (its request died between storing it and
# committing its row) is removed by the sweep (reports.attachments.sweep_strays) once it is
# this many hours old: far past any request still in flight, which must never lose its file.
TONGHOP_STRAY_FILE_GRACE_HOURS = env_positive("TONGHOP_STRAY_FILE_GRACE_HOURS", 6)
# PEM or DER certificates of the roots that make a signature "trusted" (e.g. the Government
# CA's root), comma separated.
TONGHOP_TRUST_ROOTS = env_list("TONGHOP_TRUST_ROOTS", "")

# The office's signing key (PKCS#12); the passphrase is typed by the head when signing, or
# given to the command line. `tonghop demo` makes a demo authority and key in the data folder.
TONGHOP_SIGNING_P12 = env_str("TONGHOP_SIGNING_P12", str(DATA_DIR / "pki" / "office-signing.p12"))
# The office's own key (its signature with the seal, added by the clerk when issuing); its
# passphrase is typed by the clerk, or TONGHOP_OFFICE_SIGNING_PASSPHRASE on the command line.
# A key on a PKCS#11 token instead: TONGHOP_PKCS11_* and TONGHOP_OFFICE_PKCS11_* (README).
TONGHOP_OFFICE_SIGNING_P12 = env_str(
    "TONGHOP_OFFICE_SIGNING_P12", str(DATA_DIR / "pki" / "office-seal.p12")
)
TONGHOP_DEMO_ROOT = DATA_DIR / "pki" / "tonghop-demo-ca.pem"
# An RFC 3161 time-stamping authority: signatures then reach PAdES B-T. When it cannot be
# reached signing is refused, unless TONGHOP_TSA_OPTIONAL lets the office sign without (B-B).
TONGHOP_TSA_URL = env_str("TONGHOP_TSA_URL", "")
TONGHOP_TSA_OPTIONAL = env_bool("TONGHOP_TSA_OPTIONAL", False)
TONGHOP_TSA_TIMEOUT = int(env_str("TONGHOP_TSA_TIMEOUT", "15"))  # seconds

_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("TONGHOP_TASKS", "database")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TONGHOP_TASKS must be one of {', '.join(_TASK_BACKENDS)}, not {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend], "QUEUES": ["default"]}}

# The web server of `tonghop serve` (gunicorn; waitress on Windows): worker processes (0: twice
# the cores plus one, at most 8), threads in each (0: 4 per gunicorn worker, 8 for waitress's
# single process), seconds a stopping worker has to finish the requests it holds, and one line
# per request on the console (off by default: the proxy in front logs them already).
TONGHOP_WORKERS = env_int("TONGHOP_WORKERS", 0)
TONGHOP_THREADS = env_int("TONGHOP_THREADS", 0)
for _name, _count, _most in (
    ("TONGHOP_WORKERS", TONGHOP_WORKERS, 64),
    ("TONGHOP_THREADS", TONGHOP_THREADS, 256),
):
    if not 0 <= _count <= _most:
        raise ImproperlyConfigured(f"{_name} must be 0 (automatic) to {_most}, not {_count}")
TONGHOP_GRACEFUL_TIMEOUT = env_positive("TONGHOP_GRACEFUL_TIMEOUT", 30)
TONGHOP_ACCESS_LOG = env_bool("TONGHOP_ACCESS_LOG", False)

# Mail: SMTP in production; the demo writes messages as files into DATA/outbox, so reminders
# and reports can be read without a mail server.
_EMAIL = env_str("TONGHOP_EMAIL", "smtp")
if _EMAIL == "smtp":
    _MAILER: dict[str, Any] = {
        # Django's SMTP backend, except that settings saved on /setup/ (after a test message
        # went through them) take precedence over these (tonghop.outbox.smtp).
        "BACKEND": "tonghop.outbox.smtp.OfficeSMTPBackend",
        "OPTIONS": {
            "host": env_str("TONGHOP_SMTP_HOST", "localhost"),
            "port": env_int("TONGHOP_SMTP_PORT", 25),
            "username": env_str("TONGHOP_SMTP_USER", ""),
            "password": env_str("TONGHOP_SMTP_PASSWORD", ""),
            "use_tls": env_bool("TONGHOP_SMTP_STARTTLS", False),
            "timeout": env_int("TONGHOP_SMTP_TIMEOUT", 20),
        },
    }
elif _EMAIL == "file":
    _MAILER = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
    }
else:
    raise ImproperlyConfigured(f"TONGHOP_EMAIL must be smtp or file, not {_EMAIL!r}")
MAILERS = {"default": _MAILER}
DEFAULT_FROM_EMAIL = env_str("TONGHOP_FROM_EMAIL", "tonghop@localhost")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TONGHOP_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Font subsetting while signing reports every table it prunes.
        "fontTools": {"level": "WARNING"},
    },
}
