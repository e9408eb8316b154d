from django.apps import AppConfig


class GisportalConfig(AppConfig):
    name = "gisportal"
    verbose_name = "Portal: roles and accounts"

    def ready(self) -> None:
        # drf-spectacular finds extensions (the token and Basic schemes) by their import.
        from gisportal import openapi  # noqa: F401
