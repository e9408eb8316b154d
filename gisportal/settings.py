"""gisportal settings: one module, every value from the environment with a local default."""

from __future__ import annotations

import os
from pathlib import Path

from gisportal.env import database_from_url, envbool, envchoice, envint, envlist, envstr, redis_url_shifted

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG=0")
    # Local runs only: a key that is never valid in production because DEBUG=0 refuses it.
    SECRET_KEY = "local-development-only-not-secret"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Behind docker/nginx.conf (which sets X-Forwarded-Proto) with TLS: absolute URLs (TileJSON) must
# say https, or browsers block them as mixed content. Only trust the header behind that proxy.
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "simple_history",
    "gisportal",
    "layers",
    "households",
    "businesses",
    "imagery",
    "imagery.detection",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frontend.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "gisportal.urls"
WSGI_APPLICATION = "gisportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontend.context.portal",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(envstr("DATABASE_URL", "postgis://postgres@127.0.0.1:54329/gisportal"))}
# Per connection, so production gets them without touching the server's config. The hot queries
# (radius, tiles, name check) are short: PostGIS's function costs push their estimates past
# jit_above_cost, and JIT compilation then costs 10-150 ms for a query that runs in 1-20 ms
# (measured by bench/radius.py); parallel workers on 2 busy cores cost 18-45 ms (measured on this 2-core machine kind).
DATABASES["default"]["OPTIONS"] = {
    "options": envstr("DATABASE_SESSION_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:63790/0")
# Under pytest (which sets PYTEST_VERSION, and PYTEST_XDIST_WORKER=gw0, gw1, … for each parallel worker)
# every test process has its own Redis database: its Celery worker must never take another process's
# jobs (they would run against the wrong test database), nor the local portal's (REDIS_URL's own).
if "PYTEST_VERSION" in os.environ:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    REDIS_URL = redis_url_shifted(REDIS_URL, 1 + int(_worker.removeprefix("gw") or 0))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Local development reads static files from the apps; served (make run, docker) they are collected once,
# so whitenoise hands out their compressed copies: a phone on 3G gets a third of the bytes.
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", DEBUG)

# Uploads above this are refused before they are read; large files stream to disk.
MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 1536)  # a 1 GB aerial photo fits; a 2 GB upload is refused
# Uploads waiting for the Celery worker (a big business sync): private data, never under MEDIA_ROOT,
# and a folder the web and worker containers share.
SPOOL_DIR = Path(envstr("SPOOL_DIR", str(VAR_DIR / "spool")))
# A sync file over this many MB (≈ 10,000 rows of CSV) is queued for the worker: a district's full
# list of 300,000 rows would outlast any HTTP timeout.
SYNC_INLINE_MAX_MB = envint("SYNC_INLINE_MAX_MB", 2)
# GIS file imports (GeoJSON, GeoPackage, zipped Shapefile, KML, GPX, CSV/XLSX) are checked in the request;
# a file of more features than GIS_IMPORT_INLINE_ROWS is previewed and committed by the worker (each row
# goes through the editor's checks and history: 1,500 bins took 9.4 s on 2 busy cores, so 500 rows ≈ 3 s,
# inside the few seconds of docs/architecture.md, "Data flow").
GIS_IMPORT_MAX_MB = envint("GIS_IMPORT_MAX_MB", 50)
GIS_IMPORT_INLINE_ROWS = envint("GIS_IMPORT_INLINE_ROWS", 500)
# Seconds between keep-alive comments on a live-changes stream; a gone client is noticed at the next one.
EVENTS_HEARTBEAT_S = envint("EVENTS_HEARTBEAT_S", 15)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Aerial imagery. COGs and uploads in progress live outside MEDIA_ROOT, which nginx serves to anyone;
# imagery is for land officers only (docs/architecture.md, "Access").
IMAGERY_ROOT = Path(envstr("IMAGERY_ROOT", str(VAR_DIR / "imagery")))
# Registering a file already on the server (instead of uploading it) is limited to this folder; empty = off.
IMAGERY_IMPORT_DIR = envstr("IMAGERY_IMPORT_DIR", "")
# A TIFF claiming more pixels than this is refused from its header, before a pixel is decoded
# (1.5e9 ≈ a 4 × 3.75 km ward at 0.1 m).
IMAGERY_MAX_PIXELS = envint("IMAGERY_MAX_PIXELS", 1_500_000_000)
# Rendered tiles are kept in Redis, shared by all web workers; an acquisition never changes once made.
IMAGERY_TILE_CACHE_URL = envstr("IMAGERY_TILE_CACHE_URL", REDIS_URL)
IMAGERY_TILE_CACHE_SECONDS = envint("IMAGERY_TILE_CACHE_SECONDS", 7 * 86400)
# zlib level of PNG tiles: 1 encodes a 256 px tile in ~4 ms instead of ~10 ms (GDAL's 6) for ~20 % more bytes.
IMAGERY_PNG_ZLEVEL = envint("IMAGERY_PNG_ZLEVEL", 1)
# Change detection refuses a pair whose larger image has more pixels than this (the detector reads it in
# windows, so memory does not grow with it; time does: ~1 min per 11 M pixels on two cores).
DETECTION_MAX_PIXELS = envint("DETECTION_MAX_PIXELS", 500_000_000)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "imagery": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": IMAGERY_TILE_CACHE_URL,
            "KEY_PREFIX": "imagery",
            "TIMEOUT": IMAGERY_TILE_CACHE_SECONDS,
        }
        if IMAGERY_TILE_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}
# GDAL settings for serving COGs (TiTiler's recommendations), applied as environment
# defaults when the imagery app loads; PROJ_DATA/PROJ_LIB/GDAL_DATA are deliberately never set.
GDAL_CONFIG = {
    "GDAL_DISABLE_READDIR_ON_OPEN": envstr("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"),
    "GDAL_CACHEMAX": envstr("GDAL_CACHEMAX", "200"),
    "VSI_CACHE": envstr("VSI_CACHE", "TRUE"),
    "GDAL_BAND_BLOCK_CACHE": envstr("GDAL_BAND_BLOCK_CACHE", "HASHSET"),
}

# The basemap is off unless configured: wards run on closed networks, and an empty
# value guarantees that no page asks anything of a host outside the portal.
BASEMAP_URL = envstr("BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = envstr("BASEMAP_ATTRIBUTION", "")
# A PMTiles basemap file (e.g. made once from an OpenStreetMap extract), served at /tiles/basemap.pmtiles.
BASEMAP_PMTILES = envstr("BASEMAP_PMTILES", "")
# Codes of the wards the public maps open on (comma-separated); empty = every ward in the database.
PORTAL_HOME_WARDS = envlist("PORTAL_HOME_WARDS", [])

# Leaders' household counts: a sensitive count (poor, policy family, moves, …) under this is shown as null.
HOUSEHOLD_STATS_MIN_COUNT = envint("HOUSEHOLD_STATS_MIN_COUNT", 5)

# Which registration area makes a signboard name "taken" (Decree 168/2025).
NAME_CHECK_AREA = envchoice("NAME_CHECK_AREA", "ward", {"ward", "former_district", "city"})

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["gisportal.permissions.ReadPublicWriteScoped"],
    "EXCEPTION_HANDLER": "gisportal.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gisportal API",
    "DESCRIPTION": "WebGIS of a Ho Chi Minh City ward: admin units, POIs, businesses, addresses, imagery.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (10.7765, 106.6835),
    "DEFAULT_ZOOM": 15,
    "TILES": [("Basemap", BASEMAP_URL, {"attribution": BASEMAP_ATTRIBUTION})] if BASEMAP_URL else [],
}

# bookworm's GDAL 3.6 is older than Django 5.2 would like; nothing newer exists there.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
