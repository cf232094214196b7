"""Settings for bench/ballots.py: the project's base settings, production-like (no debug).

Only the benchmark uses them: its URLconf adds the bare endpoint, and one outermost
middleware measures each request inside the worker (a few clock reads per request).
"""

from civic.settings.base import *  # noqa: F403

DEBUG = False
# As civic.settings.production: a persistent connection is checked before each request reuses
# it, and staff, council and admins must have enrolled a second factor (which makes every
# signed-in request ask whether its user is privileged).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
CIVIC_REQUIRE_MFA_FOR_PRIVILEGED = True
ROOT_URLCONF = "bench.ballots_app"
MIDDLEWARE = ["bench.ballots_app.StatsMiddleware", *MIDDLEWARE]  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic for a benchmark: WhiteNoise finds the files where they are.
WHITENOISE_USE_FINDERS = True
# Everything the benchmark leaves in Redis is under its own names, so it can remove them.
CELERY_TASK_DEFAULT_QUEUE = "civic-bench"
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "civic-bench"  # noqa: F405
