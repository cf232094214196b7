"""Settings shared by every environment, driven only by environment variables.

Without `DATABASE_URL` the project runs on a SQLite file; without `REDIS_URL`
Celery tasks run eagerly in-process and the cache is local memory. That is the
`make demo` set-up; production and CI set both.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# Core ----------------------------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="civic-demo-insecure-secret-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "civic",
    "civic.accounts",
    "districts",
    "budgets",
    "proposals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civic.accounts.middleware.PreferredLanguageMiddleware",
    "civic.accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "civic.urls"
WSGI_APPLICATION = "civic.wsgi.application"
ASGI_APPLICATION = "civic.asgi.application"

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
                "civic.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# Data ----------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let `runserver` and an eager task share the demo file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Server-side parameters, and psycopg prepares a statement once a connection has run it
    # five times: the busy requests (session, user, a ballot cast) are not planned each time.
    # Set DATABASE_PREPARED_STATEMENTS=false behind a pooler in transaction mode (pgbouncer
    # before 1.21), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Authentication (django-allauth) ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, with a precompiled user lookup (civic/accounts/backends).
    "civic.accounts.backends.ModelBackend",
    "civic.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "districts:home"

ACCOUNT_ADAPTER = "civic.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so a city can see and tune them in one place.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = env("CIVIC_EMAIL_SUBJECT_PREFIX", default="[civic] ")

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("CIVIC_MFA_ISSUER", default="civic")
# Staff, council members and city admins must enrol TOTP before using the site (production).
CIVIC_REQUIRE_MFA_FOR_PRIVILEGED = env.bool("CIVIC_REQUIRE_MFA_FOR_PRIVILEGED", default=False)

# Internationalisation --------------------------------------------------------------------------

LANGUAGE_CODE = env("CIVIC_LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("bg", _("Bulgarian")), ("tr", _("Turkish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("CIVIC_TIME_ZONE", default="Europe/Sofia")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static and media ------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are served by a view that checks who may see them (proposals.urls). Set
# CIVIC_MEDIA_ACCEL_REDIRECT to an internal location of a proxy that reads MEDIA_ROOT (nginx
# `internal;`, e.g. "/protected-media/") to have the proxy send them after the check.
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
CIVIC_MEDIA_ACCEL_REDIRECT = env("CIVIC_MEDIA_ACCEL_REDIRECT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail ----------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="civic <noreply@civic.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery ----------------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 12 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "compose-ballots": {"task": "proposals.tasks.pools_compose_ballots", "schedule": 300.0},
    "close-voting": {"task": "budgets.tasks.pools_close_voting", "schedule": 60.0},
    "voting-reminders": {"task": "budgets.tasks.pools_send_reminders", "schedule": 900.0},
    "receipt-relay": {"task": "budgets.tasks.ballot_receipts_relay", "schedule": 60.0},
    "work-sweep": {"task": "budgets.tasks.work_sweep", "schedule": 300.0},
    "notice-sweep": {"task": "proposals.tasks.reviews_notice_sweep", "schedule": 300.0},
    "clear-sessions": {"task": "civic.accounts.tasks.sessions_clear_expired", "schedule": 86400.0},
}

# Security defaults (production.py hardens further) ---------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions with the user's id as a column, read with their user in one
# SELECT (civic/accounts/sessions.py); expired ones are deleted daily (beat).
SESSION_ENGINE = "civic.accounts.sessions"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# civic -----------------------------------------------------------------------------------------

# The city's name in each interface language (a Bulgarian reader sees "София").
CIVIC_CITY_NAME = env("CIVIC_CITY_NAME", default="Sofia")
CIVIC_CITY_NAMES = {
    "en": CIVIC_CITY_NAME,
    "bg": env(
        "CIVIC_CITY_NAME_BG", default="София" if CIVIC_CITY_NAME == "Sofia" else CIVIC_CITY_NAME
    ),
    "tr": env(
        "CIVIC_CITY_NAME_TR", default="Sofya" if CIVIC_CITY_NAME == "Sofia" else CIVIC_CITY_NAME
    ),
}
# Key for the HMAC of national ids in the census register; rotating it orphans every record.
CIVIC_CENSUS_HMAC_KEY = env("CIVIC_CENSUS_HMAC_KEY", default="civic-demo-census-key")
CIVIC_VERIFY_MAX_FAILURES = env.int("CIVIC_VERIFY_MAX_FAILURES", default=5)
CIVIC_VERIFY_WINDOW_MINUTES = env.int("CIVIC_VERIFY_WINDOW_MINUTES", default=10)
CIVIC_DEFAULT_POOL_SHARE = env("CIVIC_DEFAULT_POOL_SHARE", default="0.01")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; its warnings still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Rate limits for residents' writing.
CIVIC_MAX_PROPOSALS_PER_POOL = env.int("CIVIC_MAX_PROPOSALS_PER_POOL", default=5)
CIVIC_MAX_COMMENTS_PER_WINDOW = env.int("CIVIC_MAX_COMMENTS_PER_WINDOW", default=10)
CIVIC_COMMENT_WINDOW_MINUTES = env.int("CIVIC_COMMENT_WINDOW_MINUTES", default=10)
# Absolute address of the site, for links in e-mails.
CIVIC_SITE_URL = env("CIVIC_SITE_URL", default="http://127.0.0.1:8000")
# Map tiles; a city can point this at its own tile server.
CIVIC_MAP_TILES_URL = env(
    "CIVIC_MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
CIVIC_MAP_ATTRIBUTION = env("CIVIC_MAP_ATTRIBUTION", default="© OpenStreetMap contributors")
