from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"

    def ready(self) -> None:
        from gisportal import figures
        from households.addresses.ward_names import current_names
        from households.figures import FIGURES
        from households.imports.rows import ward_hint
        from layers.units.ward_column import register_ward_names

        figures.register(FIGURES)
        register_ward_names(current_names, ward_hint)
