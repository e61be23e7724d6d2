# Kept whole: Django's settings module, one environment variable after another.
"""Settings of the P2MI Portal, read from the environment.

With nothing set the portal runs in *local* mode: SQLite, Celery tasks executed
in-process, e-mail printed to the console and DEBUG on. ``DJANGO_ENV=production``
turns on the production checks: a secret key, allowed hosts, a Celery broker and an
SMTP server must be given, DEBUG is off and HTTPS is enforced. Every variable is listed
in ``.env.example``.
"""

import datetime
import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from p2mi_portal.cache import cache_config
from p2mi_portal.countries import country_names_override

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in {"local", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'local' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    # No default: a production deployment without its own secret must not start.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="local-only-insecure-key-never-used-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "p2mi_portal.apps.PortalAdminConfig",  # django.contrib.admin, on the portal's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "django_countries",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "p2mi_portal",
    "accounts",
    "programs",
    "candidates",
    "placements",
    "notifications",
    "complaints",
    "dashboard",
    # Demo data (manage.py load_demo); imports the apps above, none imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "p2mi_portal.api.ApiLanguageMiddleware",
    # Before CsrfViewMiddleware, the first to read a form's body: refuses one that is too large.
    "p2mi_portal.limits.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff and partner users finish signing in with a second factor (accounts.second_factor).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Limits on the sign-in forms' POSTs (accounts.throttling).
    "accounts.throttling.SignInLimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "p2mi_portal.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "p2mi_portal.wsgi.application"

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "candidates:home"
LOGOUT_REDIRECT_URL = "programs:list"
# E-mail verification and password reset links stay valid this long.
PASSWORD_RESET_TIMEOUT = env.int("EMAIL_LINK_TIMEOUT_HOURS", default=72) * 3600

# Repeated failed log-ins lock that account from that address for a while.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Log-in forms call the e-mail field "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Staff and partner users sign in with a code from an authenticator app (TOTP) or a one-time
# recovery code after their password (accounts.second_factor); candidates with a password only.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
if PRODUCTION and not TWO_FACTOR_REQUIRED:
    raise ImproperlyConfigured(
        "TWO_FACTOR_REQUIRED cannot be turned off in production: "
        "every staff and partner account signs in with a second factor."
    )
OTP_TOTP_ISSUER = "P2MI Portal"
# Each wrong code doubles the wait before the next try of that device: 1, 2, 4, 8 … seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Device keys are never shown in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies (the TLS proxy
# the README asks for: 1) the address the nearest of them put in X-Forwarded-For. Addresses
# a client writes into that header itself are never used (accounts.throttling).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Optional: the proxies' own addresses or networks; X-Forwarded-For from anyone else is ignored.
TRUSTED_PROXY_ADDRESSES = env.list("TRUSTED_PROXY_ADDRESSES", default=[])
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
for _network in TRUSTED_PROXY_ADDRESSES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_ADDRESSES: {_network!r} is not an address or network."
        ) from _exc
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# Log-in, registration, password reset and new verification links: so many tries per client
# address and so many per e-mail address (e.g. "20/hour"); more answer 429.
AUTH_RATE_LIMIT = env.str("AUTH_RATE_LIMIT", default="60/hour")
AUTH_EMAIL_RATE_LIMIT = env.str("AUTH_EMAIL_RATE_LIMIT", default="5/hour")
# After this many wrong passwords for one account (from any address) within the window, that
# account is refused from browsers it was never used in; browsers that logged in to it before,
# or that set a new password through its e-mail, still get in (no lock-out of the owner).
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
LOGIN_ACCOUNT_WINDOW_MINUTES = env.int("LOGIN_ACCOUNT_WINDOW_MINUTES", default=60)
# Log-in records (django-axes: e-mail typed, address, browser) are deleted after this many days.
LOGIN_LOG_KEEP_DAYS = env.int("LOGIN_LOG_KEEP_DAYS", default=90)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language, time zone, formats -------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_NAME = "p2mi_language"

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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
# Uploaded personal documents live outside the static tree and are never served
# by URL; they are streamed by views that check who is asking.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_MB", default=5) * 1024 * 1024
# BKK spreadsheets that staff import: the largest upload, and from how many rows a worker
# checks and imports the file (smaller files are done while the page loads).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=50) * 1024 * 1024
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=1000)
# What an XLSX (a zip) may unpack to: openpyxl holds every shared string in memory, so this
# bounds the memory a worker spends on one file. Larger workbooks are refused unread.
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_MB", default=400) * 1024 * 1024
# The largest request body, refused (413) from its Content-Length before any of it is read
# (p2mi_portal.limits): a page takes at most one document and its form; the import page one
# spreadsheet; the API only JSON (Django's own limit on a body read into memory).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_MB", default=DOCUMENT_MAX_BYTES // 1024**2 + 1) * 1024**2
REQUEST_MAX_BYTES_BY_VIEW = {"admin:candidates_importjob_add": IMPORT_MAX_BYTES + 1024**2}
API_REQUEST_MAX_BYTES = env.int("API_REQUEST_MAX_KB", default=1024) * 1024
# An import left unfinished (checked but never confirmed, or stopped) loses its file, which
# holds every NIK in full, and its row-by-row report this many days after it last changed.
IMPORT_KEEP_DAYS = env.int("IMPORT_KEEP_DAYS", default=7)

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if PRODUCTION and EMAIL_CONFIG["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
    # The console, file, memory and dummy backends would drop every message without a word.
    raise ImproperlyConfigured(
        "EMAIL_URL must name an SMTP server in production (smtp://, smtps:// or smtp+tls://…): "
        "otherwise e-mail is silently not sent."
    )
vars().update(EMAIL_CONFIG)
# Django's SMTP backend waits forever by default: a hung mail server would hold a worker, and
# the delivery row it locked, indefinitely. A timeout is a failed try, retried with backoff.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="P2MI Portal <no-reply@p2mi.go.id>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in messages sent by background tasks, which have no request to take the host from.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# --- SMS and WhatsApp ---------------------------------------------------------
# Each channel has its own backend: "console" (printed, the local default), "file" (one
# JSON line per message under NOTIFICATION_FILE_DIR), "http" (the provider's endpoint, with
# a bearer token) or "locmem" (kept in memory, for tests).
NOTIFICATION_FILE_DIR = env.path("NOTIFICATION_FILE_DIR", default=BASE_DIR / "sent-messages")
NOTIFICATION_HTTP_TIMEOUT = env.float("NOTIFICATION_HTTP_TIMEOUT", default=10.0)
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="KP2MI")
WHATSAPP_BACKEND = env.str("WHATSAPP_BACKEND", default="console")
WHATSAPP_HTTP_URL = env.str("WHATSAPP_HTTP_URL", default="")
WHATSAPP_HTTP_TOKEN = env.str("WHATSAPP_HTTP_TOKEN", default="")
WHATSAPP_SENDER = env.str("WHATSAPP_SENDER", default="KP2MI")
for _channel in ("SMS", "WHATSAPP"):
    _backend, _url = vars()[f"{_channel}_BACKEND"], vars()[f"{_channel}_HTTP_URL"]
    if _backend not in {"console", "file", "http", "locmem"}:
        raise ImproperlyConfigured(f"{_channel}_BACKEND must be console, file, http or locmem.")
    if _backend == "http" and not _url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"{_channel}_BACKEND=http needs {_channel}_HTTP_URL (http:// or https://)."
        )
del _channel, _backend, _url

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
if PRODUCTION and (
    not CELERY_BROKER_URL.strip()
    or CELERY_BROKER_URL.startswith("memory://")
    or env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
):
    # Without a broker every task (sending e-mail, a broadcast to thousands) would run inside
    # the web request that queued it, or never.
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL is required in production (e.g. redis://host:6379/0), "
        "and CELERY_TASK_ALWAYS_EAGER must not be on: otherwise tasks run inside web requests."
    )
# Without a broker the portal runs tasks in-process, so local use needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A web request that queues a task waits at most about this long for a broker that is down
# or hung: one connection try and one immediate retry (a dropped connection is re-opened),
# each bounded by these timeouts. Then dispatches pause (NOTIFICATION_BROKER_PAUSE) and the
# periodic sweep sends what stayed pending.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
# After a failed dispatch, each process stops asking the broker for this many seconds; the
# deliveries stay pending and notifications.tasks.notifications_resend_pending sends them.
NOTIFICATION_BROKER_PAUSE = env.float("NOTIFICATION_BROKER_PAUSE", default=30.0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# First wait (seconds) before a failed delivery is retried; it doubles with every try, up to an hour.
NOTIFICATION_RETRY_BACKOFF = 30
# Installed into django-celery-beat's tables when beat starts; staff can change
# the timing in the admin (Periodic tasks).
CELERY_BEAT_SCHEDULE = {
    "expire-overdue-offers": {"task": "candidates.tasks.offers_expire", "schedule": 15 * 60},
    "remind-expiring-offers": {"task": "candidates.tasks.offers_remind", "schedule": 60 * 60},
    # Daily, at night (WIB): uploaded spreadsheets of imports left unfinished (candidates.services.imports).
    "forget-unfinished-import-files": {
        "task": "candidates.tasks.import_files_forget",
        "schedule": crontab(hour=2, minute=30),
    },
    # Daily, at night (WIB): log-in records older than LOGIN_LOG_KEEP_DAYS (accounts.services).
    "forget-old-login-records": {
        "task": "accounts.tasks.login_records_forget",
        "schedule": crontab(hour=3, minute=15),
    },
    "remind-open-departure-checklists": {"task": "placements.tasks.checklists_remind", "schedule": 24 * 3600},
    "flag-passports-expiring-before-contract-end": {
        "task": "placements.tasks.passports_flag",
        "schedule": 24 * 3600,
    },
    # Reminds each complaint's assignee at most once a day (complaints.services).
    "remind-overdue-complaints": {"task": "complaints.tasks.complaints_overdue_remind", "schedule": 60 * 60},
    "resend-pending-notifications": {
        "task": "notifications.tasks.notifications_resend_pending",
        "schedule": 5 * 60,
    },
    # The dashboard's figures over every application of a programme (dashboard.models).
    "count-dashboard-figures": {"task": "dashboard.tasks.figures_refresh_all", "schedule": 15 * 60},
    # Daily, in the morning (WIB), when people read their messages.
    "remind-recruitment-closing": {
        "task": "candidates.tasks.recruitment_closing_remind",
        "schedule": crontab(hour=8, minute=0),
    },
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    # Deny by default: only a partner's API key opens the API, and every view is scoped to it.
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.api_auth.PartnerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_auth.HasPartnerKey"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api_auth.PartnerKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"partner_key": env.str("API_RATE_LIMIT", default="600/minute")},
    "EXCEPTION_HANDLER": "p2mi_portal.api.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["p2mi_portal.api.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["p2mi_portal.api.JsonParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "P2MI Portal API",
    "DESCRIPTION": (
        "For partner companies of KP2MI programmes: review the candidates of your own programmes. "
        "Send `Authorization: Api-Key <key>` with every request. Every 4xx answer has the body "
        '`{"error": {"code", "message", "fields"}}`; messages follow `Accept-Language` (id, en).'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStageEnum": "candidates.models.Stage",
        "EnrolmentStatusEnum": "placements.models.EnrolmentStatus",
        "PlacementStatusEnum": "placements.models.PlacementStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# How long a verified API key is remembered; saving the key (e.g. revoking it) forgets it at once.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=30)
# Shared by the API's throttling (and any other cache use); Redis in production so that
# every web worker counts the same requests. Redis is asked with short timeouts and never
# fails a request: while it is down the cache acts empty (p2mi_portal.cache), and after a
# failure each process leaves it alone for CACHE_PAUSE_SECONDS.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
CACHE_PAUSE_SECONDS = env.float("CACHE_PAUSE_SECONDS", default=30.0)
CACHES = {
    "default": cache_config(
        env.cache_url("CACHE_URL", default="locmemcache://"), timeout=CACHE_TIMEOUT_SECONDS
    )
}

# --- Countries --------------------------------------------------------------
COUNTRIES_FIRST = ["ID", "RU", "JP", "KR", "CN", "DE", "NL"]
COUNTRIES_OVERRIDE = country_names_override()

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Messages can carry a new API key once; keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # The portal runs behind a TLS-terminating proxy that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is probed over plain HTTP by the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"personal_data": {"()": "p2mi_portal.logging.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Portal -----------------------------------------------------------------
PORTAL_HEALTH_BROKER_TIMEOUT = env.float("HEALTH_BROKER_TIMEOUT", default=2.0)
