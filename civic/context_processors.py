from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def site(request: HttpRequest) -> dict:
    """Site-wide values every page template may use: the city's name in the active language."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return {"CITY_NAME": settings.CIVIC_CITY_NAMES.get(language, settings.CIVIC_CITY_NAME)}
