from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Site-wide values every page template may use."""
    return {"CITY_NAME": settings.CIVIC_CITY_NAME}
