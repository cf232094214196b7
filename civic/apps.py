from django.apps import AppConfig


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = "civic"
