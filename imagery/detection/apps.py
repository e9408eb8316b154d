from django.apps import AppConfig


class DetectionConfig(AppConfig):
    """Change-detection runs, flags and their review: the ML module's Django side."""

    name = "imagery.detection"
    label = "detection"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Phát hiện công trình mới / Change detection"

    def ready(self) -> None:
        from gisportal import figures
        from imagery.detection.figures import FIGURES

        figures.register(FIGURES)
