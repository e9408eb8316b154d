"""gisportal settings: one module, every value from the environment with a local default."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path

from gisportal.env import database_from_url, envbool, envchoice, envint, envlist, envstr, redis_url_shifted

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Off unless asked for: a 500 under DEBUG shows a full traceback (settings, SQL) to whoever caused it.
# DEBUG=1 is the development switch (`DEBUG=1 .venv/bin/python manage.py runserver`).
DEBUG = envbool("DEBUG", False)
# Under pytest (which sets PYTEST_VERSION): the test runner forces DEBUG off and needs no real key.
TESTING = "PYTEST_VERSION" in os.environ
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY and not os.environ.get("SECRET_KEY_FILE") and (VAR_DIR / "secret-key").is_file():
    # A checkout's own key, made once by scripts/common.sh (make run, make test, setup): manage.py in
    # a checkout works with DEBUG off. A container has no var/secret-key: it must be given SECRET_KEY.
    SECRET_KEY = (VAR_DIR / "secret-key").read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG=0 (scripts/common.sh keeps one in var/secret-key)"
        )
    # Development and tests only: a key that is never valid in production because DEBUG=0 refuses it.
    SECRET_KEY = "local-development-only-not-secret"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Behind docker/nginx.conf (which sets X-Forwarded-Proto) with TLS: absolute URLs (TileJSON) must
# say https, or browsers block them as mixed content. Only trust the header behind that proxy.
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over HTTPS (defaults to BEHIND_TLS_PROXY): cookies only over TLS, plain HTTP redirected, HSTS.
# Plain-HTTP installs (a closed ward network, docker/.env.example's default) keep them off or nobody could log in.
HTTPS = envbool("HTTPS", envbool("BEHIND_TLS_PROXY", False))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# The container health check calls http://127.0.0.1:8000/api/health/ past the proxy: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", HTTPS)
# Page scripts never read the session cookie; they do read csrftoken (frontend/static/frontend/js/request.js),
# so that one stays readable, as Django recommends. Lax: a link from elsewhere keeps the session, a
# cross-site POST does not.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

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
    "axes",
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
    # First after the security headers: every answer, an error page or a 503 included, carries the policy.
    "gisportal.csp.ContentSecurityPolicyMiddleware",
    # Whitenoise, its files streamed asynchronously under ASGI (gisportal/static_files.py).
    "gisportal.static_files.StaticFilesMiddleware",
    "gisportal.errors.DatabaseUnavailableMiddleware",
    # Outside the replica switch, so its entries are written to the primary even for a public read served by a
    # replica; outside CSRF and authentication, so it sees their 403s and (on the way out) the user an answer was for.
    "gisportal.audit.AuditMiddleware",
    "gisportal.db_router.ReplicaMiddleware",
    "gisportal.params.RefuseNul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frontend.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with gisportal.accounts.locked_out.
    "axes.middleware.AxesMiddleware",
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
# A bounded pool per process (psycopg_pool through Django 5.1+): with a connection per thread and
# CONN_MAX_AGE, 20 clients on gunicorn's threads ran PostgreSQL out of connections and left 65 idle
# ones open. Each process holds at most DATABASE_POOL_MAX; a request waits up to DATABASE_POOL_TIMEOUT s
# for one. Size it so processes × max stays under the server's max_connections (docs/operations.md).
if envbool("DATABASE_POOL", True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must hand them back
    DATABASES["default"]["OPTIONS"]["pool"] = {
        # Two: a wide radius scan runs its page on a second connection beside its count (businesses/radius.py).
        "min_size": envint("DATABASE_POOL_MIN", 2),
        "max_size": envint("DATABASE_POOL_MAX", 8),
        "timeout": envint("DATABASE_POOL_TIMEOUT", 10),
        "max_idle": 300,
    }
# Read replicas (gisportal/db_router.py): public read endpoints read from these PostgreSQL streaming replicas.
for _n, _url in enumerate(envlist("REPLICA_URLS", [])):
    DATABASES[f"replica_{_n}"] = {**database_from_url(_url), "OPTIONS": copy.deepcopy(DATABASES["default"]["OPTIONS"])}
    DATABASES[f"replica_{_n}"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES[f"replica_{_n}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["gisportal.db_router.ReplicaRouter"]
# After a write, a client reads from the primary for this many seconds (above the replicas' usual lag).
REPLICA_PIN_SECONDS = envint("REPLICA_PIN_SECONDS", 5)
# /api/health/ reports a replica further behind than this (seconds) as failing.
REPLICA_MAX_LAG_S = envint("REPLICA_MAX_LAG_S", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:63790/0")
# Under pytest (which sets PYTEST_VERSION, and PYTEST_XDIST_WORKER=gw0, gw1, … for each parallel worker)
# every test process has its own Redis database: its Celery worker must never take another process's
# jobs (they would run against the wrong test database), nor the local portal's (REDIS_URL's own).
if TESTING:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    REDIS_URL = redis_url_shifted(REDIS_URL, 1 + int(_worker.removeprefix("gw") or 0))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The leaders' figures over time (frontend/snapshots.py): one snapshot every FIGURE_SNAPSHOT_EVERY_S, run by the
# beat scheduler (scripts/worker.sh's worker -B; docker/compose.yml's beat service).
FIGURE_SNAPSHOT_EVERY_S = envint("FIGURE_SNAPSHOT_EVERY_S", 6 * 3600)
CELERY_BEAT_SCHEDULE = {
    "figure-snapshots": {"task": "frontend.snapshot", "schedule": float(FIGURE_SNAPSHOT_EVERY_S)},
}

# django-axes first: it counts every password check (login page, admin, HTTP Basic where allowed) and
# refuses one for a locked account before the password is even compared.
AUTHENTICATION_BACKENDS = [
    "gisportal.accounts.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Trusted proxies in front of the portal (docker/nginx.conf: 1) whose X-Forwarded-For names the client;
# 0 = the client is REMOTE_ADDR. Throttles and the lockout both count per client address through it.
NUM_PROXIES = envint("NUM_PROXIES", 0)
# Login lockout: AXES_FAILURE_LIMIT wrong passwords for one user name from one address lock that pair for
# AXES_COOLOFF_MINUTES (an office behind one NAT address is not locked out by one officer's typos).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gisportal.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "gisportal.throttles.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# HTTP Basic sends the password on every call: off unless asked for (a desktop client or the registration
# software that cannot send a personal token). Personal tokens (gisportal/tokens.py) are always accepted.
API_BASIC_AUTH = envbool("API_BASIC_AUTH", False)
# Requests per client address (anonymous) and per user (logged in); "N/s", "N/min", "N/hour" or "N/day".
# Generous: a leader's map pans through hundreds of calls a minute; a script hammering the radius scan does not
# pass. Under pytest they are off unless a test sets them (tests/gisportal/test_security_throttles.py).
THROTTLE_RATES = {
    "anon": envstr("THROTTLE_ANON", "" if TESTING else "300/min") or None,
    "user": envstr("THROTTLE_USER", "" if TESTING else "1200/min") or None,
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "vi"
# Vietnamese numbers grouped as the scripts group them (gisportal/formats/vi/formats.py).
FORMAT_MODULE_PATH = ["gisportal.formats"]
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
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", DEBUG or TESTING)

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
    # Request counts of the throttles (gisportal/throttles.py), shared by every web process.
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "throttle",
    },
    "imagery": (
        {
            "BACKEND": "gisportal.cache.FailOpenRedisCache",  # Redis down: tiles are remade, not refused
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

# From this radius (m) a radius scan reads its page and POIs on a second pooled connection while the first counts
# (businesses/radius.py): an answer sooner on idle cores; a server whose cores are always busy may serve a few
# more answers a second with it set above MAX_RADIUS (docs/speed.md, seventh pass).
RADIUS_BESIDE_FROM_M = envint("RADIUS_BESIDE_FROM_M", 200)
# Which registration area makes a signboard name "taken" (Decree 168/2025).
NAME_CHECK_AREA = envchoice("NAME_CHECK_AREA", "ward", {"ward", "former_district", "city"})

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Session first, as before: an anonymous call refused is a 403 (pages and scripts rely on it); a desktop
    # client sends its token unasked. The sync endpoint puts Token first for a 401 challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "gisportal.tokens.TokenAuthentication",
        "gisportal.tokens.OptionalBasicAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "gisportal.throttles.AnonymousClientThrottle",
        "gisportal.throttles.OfficerThrottle",
    ],
    "NUM_PROXIES": NUM_PROXIES or None,
    "DEFAULT_PERMISSION_CLASSES": ["gisportal.permissions.ReadPublicWriteScoped"],
    "EXCEPTION_HANDLER": "gisportal.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "gisportal.parsers.JSONParser",
        "gisportal.parsers.FormParser",
        "gisportal.parsers.MultiPartParser",
    ],
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gisportal.openapi.add_error_responses",
    ],
}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (10.7765, 106.6835),
    "DEFAULT_ZOOM": 15,
    "TILES": [("Basemap", BASEMAP_URL, {"attribution": BASEMAP_ATTRIBUTION})] if BASEMAP_URL else [],
}

# bookworm's GDAL 3.6 is older than Django 5.2 would like; nothing newer exists there. Its risk (GDAL < 3.9 reads a
# file or URL named as a spatial reference) needs a caller's text in GDAL's SRS parser: CRSs go through pyproj
# and Django refuses GeoJSON naming an external CRS (held by tests/gisportal/test_security_settings.py).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
