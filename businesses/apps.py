from django.apps import AppConfig


class BusinessesConfig(AppConfig):
    name = "businesses"

    def ready(self) -> None:
        from businesses.figures import FIGURES
        from gisportal import figures

        figures.register(FIGURES)
