import json

from django.conf import settings

from gisportal.permissions import may_define_layers, reads_house_report, reads_land, reads_reports, role_of


def home_bounds() -> str:
    """The home wards' extent [west, south, east, north] as JSON, or "" when no home ward is set or found.

    The citizens' maps open on it (first_view.js) as soon as the stylesheets give the map its size, and ask for
    the first basemap tiles then: on a phone's 3G, waiting for the wards' JSON first cost a round trip or more.
    """
    if not settings.PORTAL_HOME_WARDS:
        return ""
    from django.contrib.gis.db.models import Extent

    from layers.models import AdminUnit

    wards = AdminUnit.objects.filter(level=AdminUnit.Level.WARD, code__in=settings.PORTAL_HOME_WARDS, valid_to=None)
    extent = wards.aggregate(e=Extent("boundary"))["e"]
    return json.dumps([round(v, 7) for v in extent]) if extent else ""


def portal(request) -> dict:
    """Values every page needs: the basemap (empty = none), where maps open, the visitor's role and reach."""
    user = getattr(request, "user", None)
    return {
        "home_wards": json.dumps(settings.PORTAL_HOME_WARDS),
        "home_bounds": home_bounds,  # a callable: only the map pages' templates ask for it
        "basemap_url": settings.BASEMAP_URL,
        "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
        "portal_role": role_of(user).value,
        # The menu shows a page to whom its view serves (the rules of gisportal/permissions.py, not role names).
        "menu_house_report": reads_house_report(user),
        "menu_land": reads_land(user),
        "menu_reports": reads_reports(user),
        "can_define_layers": may_define_layers(user),
    }
