"""The portal's settings as production serves a phone: static files collected (`collectstatic`, gzip variants
written by whitenoise's CompressedStaticFilesStorage) and served from STATIC_ROOT, not from the apps' folders;
dynamic answers (pages, /jsi18n/, JSON) gzipped.

gisportal.settings serves static files through the finders (WHITENOISE_USE_FINDERS), which never compress; nginx
(docker/nginx.conf, `gzip_static on`) and whitenoise over a collected STATIC_ROOT send the .gz. nginx also gzips
every proxied answer over 1 kB (`gzip on; gzip_proxied any`), which GZipMiddleware stands in for here (it leaves
alone what the portal compressed itself: vector tiles over 1 kB). bench/pages.py runs its server with these
settings so the bytes it reports are the ones a phone would receive.
"""

from gisportal.settings import *  # noqa: F403
from gisportal.settings import MIDDLEWARE

WHITENOISE_USE_FINDERS = False
_GZIP = "django.middleware.gzip.GZipMiddleware"
if _GZIP not in MIDDLEWARE:
    # After SecurityMiddleware and whitenoise (which compresses static files itself), before the rest.
    MIDDLEWARE = [*MIDDLEWARE[:2], _GZIP, *MIDDLEWARE[2:]]
