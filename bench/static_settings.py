"""The portal's settings as production serves static files: collected (`collectstatic`, gzip variants written by
whitenoise's CompressedStaticFilesStorage) and served from STATIC_ROOT, not from the apps' folders.

gisportal.settings serves them through the finders (WHITENOISE_USE_FINDERS), which never compress; nginx
(docker/nginx.conf, `gzip_static on`) and whitenoise over a collected STATIC_ROOT send the .gz. bench/pages.py
runs its server with these settings so the bytes it reports are the ones a phone would receive.
"""

from gisportal.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = False
