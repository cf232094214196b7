"""Settings for the test suite: fast hashing, in-memory e-mail; services from the environment."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The suite calls tasks eagerly unless a test starts a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CIVIC_TEST_CELERY_EAGER", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CIVIC_CENSUS_HMAC_KEY = "civic-test-census-key"

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Parallel test processes share one Redis: each keeps its own key space.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "test-" + env("PYTEST_XDIST_WORKER", default="main")  # noqa: F405

# Uploads made by tests go to a throw-away directory, never into the repository.
MEDIA_ROOT = tempfile.mkdtemp(prefix="civic-test-media-")
