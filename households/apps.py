from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"

    def ready(self) -> None:
        from gisportal import figures
        from households.figures import FIGURES

        figures.register(FIGURES)
