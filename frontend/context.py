import json

from django.conf import settings

from gisportal.permissions import may_define_layers, role_of


def portal(request) -> dict:
    """Values every page needs: the basemap (empty = none), where maps open, the visitor's role and reach."""
    return {
        "home_wards": json.dumps(settings.PORTAL_HOME_WARDS),
        "basemap_url": settings.BASEMAP_URL,
        "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
        "portal_role": role_of(getattr(request, "user", None)).value,
        "can_define_layers": may_define_layers(getattr(request, "user", None)),
    }
