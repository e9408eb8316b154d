import json

from django.conf import settings

from gisportal.permissions import role_of


def portal(request) -> dict:
    """Values every page needs: the basemap (empty = none), where maps open, and the visitor's role."""
    return {
        "home_wards": json.dumps(settings.PORTAL_HOME_WARDS),
        "basemap_url": settings.BASEMAP_URL,
        "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
        "portal_role": role_of(getattr(request, "user", None)).value,
    }
