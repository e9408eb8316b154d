from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "layers"

    def ready(self) -> None:
        from gisportal import figures
        from layers.figures import FIGURES

        figures.register(FIGURES)
