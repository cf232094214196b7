"""Mounted at /api/v1/ by civic/urls.py; the URL names live in the "api-v1" namespace."""

from django.urls import path

from civic.api import api

urlpatterns = [path("", api.urls)]
