from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self) -> None:
        from frontend.live_levels import on_change
        from gisportal import event_hub

        event_hub.on_change(on_change)
