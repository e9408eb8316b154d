from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "layers"

    def ready(self) -> None:
        from gisportal import figures
        from layers.figures import FIGURES
        from layers.reports.figures import FIGURES as REPORT_FIGURES

        figures.register(FIGURES)
        figures.register(REPORT_FIGURES)
