import os

from django.apps import AppConfig


class ImageryConfig(AppConfig):
    name = "imagery"

    def ready(self) -> None:
        from django.conf import settings

        # As environment defaults, not a rasterio.Env per request: GDAL reads them when it first
        # needs them, in the web and worker processes alike, and an explicit environment wins.
        for key, value in settings.GDAL_CONFIG.items():
            os.environ.setdefault(key, value)
