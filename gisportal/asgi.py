"""The ASGI application (production: gunicorn with uvicorn workers, scripts/run.sh and docker/).

Anonymous GETs of the public hot reads are answered by the fast path (gisportal/fastpath.py), by the same
functions as the Django views of the same URLs; everything else goes to Django.
"""

import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")
django_application = get_asgi_application()

# After Django is set up: the routes' modules import models.
from businesses.api import public  # noqa: E402
from gisportal import fastpath  # noqa: E402
from layers.tiles import api as tiles_api  # noqa: E402

ROUTES = [
    fastpath.exact("/api/v1/ping", lambda request, groups: fastpath.ping_answer(request.GET)),
    fastpath.exact("/api/v1/businesses/radius", lambda request, groups: public.radius_answer(request.GET)),
    fastpath.exact("/api/v1/businesses/name-check", lambda request, groups: public.name_check_answer(request.GET)),
    # As Django's `tiles/<slug:layer>/<str:z>/<str:x>/<str:y>.mvt`, but not the basemap's tiles, which
    # layers/basemap/api.py serves at the same shape of URL and Django resolves first.
    fastpath.Route(
        re.compile(r"/tiles/(?!basemap/)(?P<layer>[-a-zA-Z0-9_]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.mvt\Z"),
        lambda request, groups: tiles_api.tile(request, **groups),
        drf=False,
    ),
]

application = fastpath.FastPath(django_application, ROUTES)
