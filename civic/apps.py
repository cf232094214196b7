from django.apps import AppConfig


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = "civic"

    def ready(self) -> None:
        from django.urls import register_converter

        from civic.converters import IdConverter

        # Before any URL module is imported: they use <id:...> for database ids.
        register_converter(IdConverter, "id")
