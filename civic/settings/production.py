"""Production: everything from base.py, hardened. Requires a real secret key and hosts."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Loopback stays allowed so the container's own health check can reach /healthz.
ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), "127.0.0.1", "localhost"]
CIVIC_CENSUS_HMAC_KEY = env("CIVIC_CENSUS_HMAC_KEY")
# A key set later would orphan every record hashed before: refuse to start without a real one.
if len(CIVIC_CENSUS_HMAC_KEY) < 32:
    raise ImproperlyConfigured("CIVIC_CENSUS_HMAC_KEY must be set, at least 32 characters.")
# Links in e-mails and in the official PDF reports: never the development default.
CIVIC_SITE_URL = env("CIVIC_SITE_URL")
# E-mail must really go out (account confirmation, receipts), not to the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
# Sign-in, sign-up and password-reset limits count per client address: behind the TLS proxy
# that address is the one the proxy adds to X-Forwarded-For, not the proxy's own.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("CIVIC_TRUSTED_PROXY_COUNT", default=1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CIVIC_REQUIRE_MFA_FOR_PRIVILEGED = env.bool("CIVIC_REQUIRE_MFA_FOR_PRIVILEGED", default=True)

# Persistent database connections: opening one per request costs 8–20 ms and a PostgreSQL
# backend start; bench/ballots.py measured p99 at 50 ballots/s drop from seconds to ~120 ms.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
