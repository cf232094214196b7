"""Settings for `make demo` and development: debug on, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
