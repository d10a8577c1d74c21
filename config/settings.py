"""AutoPaspoort settings: one module, configured by the environment (and `.env` if present).

With nothing set the app runs on its embedded default: SQLite in `var/`, Celery tasks run
eagerly in-process, emails written to `var/mail/`, DEBUG on. Production sets DATABASE_URL,
REDIS_URL, an ESP backend, SECRET_KEY, ALLOWED_HOSTS and DJANGO_DEBUG=false. The README has the
table of variables.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # everything the app writes locally; gitignored

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - dev default by design

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails (activation, password set); emails have no request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "accounts.apps.AxesConfig",  # django-axes, with a Dutch name in the admin
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves its Swagger UI from its own static files, not a CDN
    "anymail",
    "csp",
    "core",
    "accounts",
    "garage",
    "autopaspoort",
    "fleet",
    "transfers",
    "notifications",
    "reminders",
    "appointments",
    "promotions",
    "insights",
    "sharing",
    "legal",  # the privacy statement and terms (content in the admin)
    "photos",
    "quotes",
    "network",  # the nightly figures of the whole network (expected costs, intervals)
    "billing",  # reads the features' usage: a layer of its own above them
    # Entry points, after the apps they call.
    "portal",  # the owner's pages, home routing
    "api",  # the GMS API
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside axes and the API error middleware, so their replacement answers get it too.
    "core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "api.middleware.ApiJsonErrorsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into a page
]

ROOT_URLCONF = "config.urls"
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
                "portal.context_processors.navigation",
                "core.context_processors.support",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
else:
    # Persistent connections, checked before reuse (a restarted PostgreSQL is not an error).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache -----------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# No broker configured: run tasks in-process (the embedded default). on_commit still applies.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes the database connection around every task unless this is set:
# a new PostgreSQL connection per email cost 60% of a delivery (bench/results.md, B6). Keep it
# for up to 500 tasks; config/celery.py checks it before each task (health, CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 500
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that publishes while the broker is down or unreachable must not hang: one
# connection attempt of at most a second, no publish retries. The outbox is the retry: its sweep
# re-enqueues every row that could not be published (tests/reliability/test_broker_down.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # A task a killed worker had taken comes back after this long. It must be longer than the
    # longest retry countdown (an hour for emails), or Redis would hand a waiting retry to a
    # second worker as well. Delivery is idempotent either way; the outbox sweep is faster.
    "visibility_timeout": 2 * 60 * 60,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-requeue-stale": {
        "task": "notifications.tasks.requeue_stale_notifications",
        "schedule": 60.0,
    },
    # Both are idempotent: running them more often than needed sends or records nothing twice.
    "reminders-send-due": {
        "task": "reminders.tasks.send_due_reminders",
        "schedule": 60.0 * 60 * 6,
    },
    "promotions-requeue-stalled": {
        "task": "promotions.tasks.requeue_stalled_promotions",
        "schedule": 60.0 * 10,
    },
    # Stops between batches after RDW_REFRESH_RUN_SECONDS; a lock keeps runs from overlapping.
    "autopaspoort-refresh-rdw": {
        "task": "autopaspoort.tasks.refresh_rdw_data",
        "schedule": 60.0 * 10,
    },
    "insights-record-monthly-usage": {
        "task": "insights.tasks.record_monthly_usage",
        "schedule": 60.0 * 60 * 6,
    },
    "autopaspoort-maintenance-due": {
        "task": "autopaspoort.tasks.refresh_maintenance_due",
        "schedule": 60.0 * 60 * 24,
    },
    # Once a day (a second run the same day does nothing): the network's figures.
    "network-compute-figures": {
        "task": "network.tasks.compute_network_figures",
        "schedule": 60.0 * 60 * 6,
    },
    # Closes the month before on the 1st (00:20) and checks again every 6 hours after: a closed
    # month is kept, so extra runs write nothing.
    "billing-close-monthly-statements": {
        "task": "billing.tasks.close_monthly_statements",
        "schedule": crontab(minute=20, hour="0,6,12,18"),
    },
    # AVG retention: previous owners' contact details on transfers older than the period.
    "transfers-erase-previous-owners": {
        "task": "transfers.tasks.erase_previous_owner_details",
        "schedule": 60.0 * 60 * 24,
    },
}

# Days a previous owner's contact details stay on the transfer that handed the car on (for
# support's questions), counted from that transfer; then the beat task above erases them. The
# cars' histories stay. Documented in docs/product.md and the default privacy statement.
PREVIOUS_OWNER_RETENTION_DAYS = env.int("PREVIOUS_OWNER_RETENTION_DAYS", default=730)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Web processes and workers must share it (e.g. the outbox's "batch queued" mark).
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="autopaspoort"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# Seconds an SMTP server may take to answer before the attempt fails (and is retried later):
# a server that never answers must not hold a worker, nor a web request in eager mode.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AutoPaspoort <noreply@autopaspoort.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A real mailbox people can write to: the page footer, and Reply-To of emails that invite a
# reply (notifications.rendering.REPLY_TO_SUPPORT); the sender above is a no-reply address.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@autopaspoort.nl")
# The seller on AutoPaspoort's invoices to garages (billing app): who bills, and where to pay.
BILLING_SELLER = {
    "name": env("BILLING_SELLER_NAME", default="AutoPaspoort B.V."),
    "address": env("BILLING_SELLER_ADDRESS", default="Voorbeeldstraat 1, 1234 AB Utrecht"),
    "kvk_number": env("BILLING_SELLER_KVK", default="00000000"),
    "vat_number": env("BILLING_SELLER_VAT", default="NL000000000B01"),
    "iban": env("BILLING_SELLER_IBAN", default="NL00BANK0000000000"),
}
BILLING_PAYMENT_DAYS = env.int("BILLING_PAYMENT_DAYS", default=14)
# Every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g. ANYMAIL_POSTMARK_SERVER_TOKEN.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
# ESP APIs (django-anymail): the same bound as SMTP, unless set (ANYMAIL_REQUESTS_TIMEOUT).
ANYMAIL.setdefault("REQUESTS_TIMEOUT", EMAIL_TIMEOUT)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# A Celery queue for reminder and promotion emails (notifications.services.BULK_KINDS), served by
# workers of its own (`celery -A config worker -Q bulk`), so a reminder run never delays an
# activation email. Empty: every email goes to the default queue (start workers for both queues
# before setting it, or the bulk emails wait in a queue nobody reads).
NOTIFICATION_BULK_QUEUE = env("NOTIFICATION_BULK_QUEUE", default="")
# Threads of a worker process that send a batch of emails at once, each with its own database
# and SMTP connection (notifications.services.notifications_deliver_due): a send mostly waits on
# the network, so they overlap. Each is one more connection to PostgreSQL and the provider.
NOTIFICATION_SENDERS = env.int("NOTIFICATION_SENDERS", default=4)

# --- RDW open data (vehicle data by plate) ----------------------------------------------------
RDW_LOOKUP_ENABLED = env.bool("RDW_LOOKUP_ENABLED", default=True)
RDW_BASE_URL = env("RDW_BASE_URL", default="https://opendata.rdw.nl/resource").rstrip("/")
RDW_TIMEOUT_SECONDS = env.float("RDW_TIMEOUT_SECONDS", default=3.0)
RDW_APP_TOKEN = env("RDW_APP_TOKEN", default="")  # optional Socrata app token: higher rate limit
# Dataset ids (Socrata "4x4" ids). The RDW has moved datasets before (the recalls' details were
# j9yg-7rg9 in older documentation), so each one is a setting.
RDW_DATASET_VEHICLES = env("RDW_DATASET_VEHICLES", default="m9d7-ebf2")  # gekentekende voertuigen
RDW_DATASET_FUEL = env("RDW_DATASET_FUEL", default="8ys7-d773")  # brandstof
RDW_DATASET_RECALL_STATUS = env("RDW_DATASET_RECALL_STATUS", default="t49b-isb7")
RDW_DATASET_RECALLS = env("RDW_DATASET_RECALLS", default="af5r-44mf")  # Terugroep_actie
RDW_DATASET_APK_DEFECTS = env("RDW_DATASET_APK_DEFECTS", default="a34c-vvps")  # geconstateerd
RDW_DATASET_DEFECT_DESCRIPTIONS = env("RDW_DATASET_DEFECT_DESCRIPTIONS", default="hx2c-gt7k")
# The background refresh (autopaspoort.rdw_refresh; docs/architecture.md "RDW data that stays
# true"): requests per minute across the worker, retries per request, the first back-off step.
RDW_REFRESH_ENABLED = env.bool("RDW_REFRESH_ENABLED", default=True)
RDW_REFRESH_REQUESTS_PER_MINUTE = env.int("RDW_REFRESH_REQUESTS_PER_MINUTE", default=15)
RDW_REFRESH_TIMEOUT_SECONDS = env.float("RDW_REFRESH_TIMEOUT_SECONDS", default=30.0)
RDW_REFRESH_RETRIES = env.int("RDW_REFRESH_RETRIES", default=3)
RDW_REFRESH_BACKOFF_SECONDS = env.float("RDW_REFRESH_BACKOFF_SECONDS", default=5.0)
# How long one beat run may keep the worker (it stops between batches), and how often a car is
# looked at again: daily around its APK date, otherwise every RDW_REFRESH_INTERVAL_DAYS.
RDW_REFRESH_RUN_SECONDS = env.int("RDW_REFRESH_RUN_SECONDS", default=8 * 60)
RDW_REFRESH_INTERVAL_DAYS = env.int("RDW_REFRESH_INTERVAL_DAYS", default=14)

# --- GMS API -------------------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)  # per token
# Views of public share pages per 5 minutes, per link and per client (core.ratelimit).
SHARE_VIEWS_PER_TOKEN = env.int("SHARE_VIEWS_PER_TOKEN", default=300)
SHARE_VIEWS_PER_IP = env.int("SHARE_VIEWS_PER_IP", default=120)
API_BULK_MAX_ITEMS = 1000
# A bulk request of 1,000 cars is a few hundred kB; leave room, refuse what is clearly not one.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked account before its password
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (accounts/lockout.py): 5 failures per account and client address -> 5 minutes
# for that pair, and a ceiling of 50 per account across all addresses; site and admin alike.
AXES_FAILURES_PER_ADDRESS = 5
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_email"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock ends 5 minutes after it began
AXES_DISABLE_ACCESS_LOG = True  # keep failures (for support to see and unlock), not every login
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # also the lifetime of a staff invitation link
ACTIVATION_TIMEOUT_DAYS = env.int("ACTIVATION_TIMEOUT_DAYS", default=7)  # new owner's link
# Argon2 first (Django's recommended hasher, argon2-cffi): a login costs ~0.1 s of CPU instead of
# PBKDF2's ~1 s. The others stay to read older hashes; Django rehashes them with Argon2 at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # padded short dates in Dutch tables
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
# Uploaded files (check photos) are private: no MEDIA_URL route and not under whitenoise; they
# are served only by photos.views.photo_file, which checks who asks (docs/architecture.md,
# "Photos"). Embedded default: var/media/. MEDIA_STORAGE=s3: any S3-compatible object store,
# private objects read through short-lived signed URLs.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_STORAGE = env("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "default_acl": None,  # the bucket's default: private; never public-read
            "querystring_auth": True,  # every URL is signed ...
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),  # ... 5 min
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, max-age=300"},
        },
    }
elif MEDIA_STORAGE == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'filesystem' or 's3'.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production: DJANGO_DEBUG=false) ------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache (Redis) and written through to the database, which
# keeps them across a cache restart: one query less on every page (core/sessions.py).
SESSION_ENGINE = "core.sessions"
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template (hx-headers), not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy, in development too so the browser tests see what production does:
# scripts, styles and images from this site only. No inline script or style, no eval: the one
# behaviour htmx's hx-on did lives in static/js/app.js. `data:` images are Pico's SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes logs every login at INFO; lockouts and repeated failures come at WARNING.
    # WeasyPrint logs each step of every PDF at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
