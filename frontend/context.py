import json

from django.conf import settings

from gisportal.permissions import may_define_layers, reads_house_report, reads_land, role_of


def portal(request) -> dict:
    """Values every page needs: the basemap (empty = none), where maps open, the visitor's role and reach."""
    user = getattr(request, "user", None)
    return {
        "home_wards": json.dumps(settings.PORTAL_HOME_WARDS),
        "basemap_url": settings.BASEMAP_URL,
        "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
        "portal_role": role_of(user).value,
        # The menu shows a page to whom its view serves (the rules of gisportal/permissions.py, not role names).
        "menu_house_report": reads_house_report(user),
        "menu_land": reads_land(user),
        "can_define_layers": may_define_layers(user),
    }
