"""Production settings: DEBUG off unless asked for, `check --deploy` clean, cookies locked down, a pool."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

# What docker/.env.example and docker/compose.yml give the web container behind TLS (BEHIND_TLS_PROXY=1).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "gis.phuong.example.vn,127.0.0.1",
    "CSRF_TRUSTED_ORIGINS": "https://gis.phuong.example.vn",
    "BEHIND_TLS_PROXY": "1",
    "WHITENOISE_USE_FINDERS": "0",
}


def _django(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' async switch is theirs: `check --deploy` rightly refuses it in production.
        if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    clean.pop("PYTEST_XDIST_WORKER", None)
    cmd = [sys.executable, "manage.py", *args] if args else [sys.executable, "-c", code]
    return subprocess.run(cmd, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


_SHOW = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gisportal.settings'); django.setup();"
    "from django.conf import settings as s; db = s.DATABASES['default'];"
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
    " s.SESSION_COOKIE_SAMESITE, bool(db['OPTIONS'].get('pool')), db['CONN_MAX_AGE'])"
)


def test_debug_is_off_unless_the_development_switch_is_on():
    out = _django(_SHOW, {"SECRET_KEY": secrets.token_urlsafe(50)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "False"
    out = _django(_SHOW, {"DEBUG": "1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "True"


def test_without_debug_a_secret_key_is_required(tmp_path):
    # SECRET_KEY_FILE pointing at an empty file: no key, and (DEBUG off, not under pytest) start-up stops.
    empty = tmp_path / "secret-key"
    empty.write_text("")
    out = _django(_SHOW, {"DEBUG": "0", "SECRET_KEY_FILE": str(empty)})
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr


def test_production_cookies_are_secure_httponly_samesite_and_connections_pooled():
    out = _django(_SHOW, PRODUCTION_ENV)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True", "True", "Lax", "True", "0"]


def test_check_deploy_has_no_warnings():
    """Every check Django and its apps run for deployment, silent: drf-spectacular's own (it generates the
    schema as `manage.py spectacular --fail-on-warn` does) and the URL checks included, nothing exempted.
    The only silenced check is gis.W001 (bookworm's GDAL is older than Django would like)."""
    out = _django("", PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "System check identified no issues (1 silenced).", out.stdout + out.stderr


def test_only_the_gdal_version_check_is_silenced():
    out = _django(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gisportal.settings'); django.setup();"
        "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)",
        PRODUCTION_ENV,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['gis.W001']"


_COOKIES = (
    "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gisportal.settings'); django.setup();"
    "from django.test import Client;"
    "c = Client(HTTP_HOST='gis.phuong.example.vn', HTTP_X_FORWARDED_PROTO='https');"
    "page = c.get('/login/', secure=True);"
    "login = c.post('/login/', {'username': 'officer_a', 'password': 'pw-test-1'}, secure=True);"
    "plain = Client(HTTP_HOST='gis.phuong.example.vn').get('/login/');"
    "print(json.dumps({'csrf': page.cookies['csrftoken'].OutputString(), 'login': login.status_code,"
    " 'session': login.cookies['sessionid'].OutputString(), 'hsts': page.get('Strict-Transport-Security', ''),"
    " 'csp': page.get('Content-Security-Policy', ''), 'plain': [plain.status_code, plain.get('Location', '')]}))"
)


def _attrs(set_cookie: str) -> set[str]:
    """The attributes of a Set-Cookie value (`name=value; Path=/; Secure; …`), value and dates left out."""
    return {a.strip() for a in set_cookie.split(";")[1:] if not a.strip().lower().startswith(("expires", "max-age"))}


def test_production_answers_set_secure_httponly_samesite_cookies(live_world):
    """Real answers of a portal behind TLS (the login page, then a login), run with the production environment
    against the test database: both cookies Secure and SameSite=Lax, the session one HttpOnly, HSTS sent and plain
    HTTP redirected to HTTPS."""
    from django.db import connection

    db = connection.settings_dict
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_POOL": "0",
    }
    out = _django(_COOKIES, env)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["login"] == 302
    assert {"Secure", "SameSite=Lax", "HttpOnly", "Path=/"} <= _attrs(seen["session"])
    # csrftoken stays readable by the page scripts (request.js sends it back as X-CSRFToken), as Django advises.
    assert {"Secure", "SameSite=Lax", "Path=/"} <= _attrs(seen["csrf"])
    assert seen["hsts"].startswith("max-age=31536000")
    assert "script-src 'self'" in seen["csp"]
    assert seen["plain"] == [301, "https://gis.phuong.example.vn/login/"]


def test_session_cookie_is_httponly_and_samesite_on_a_plain_http_install(world):
    """A closed ward network without TLS: cookies cannot be Secure there, but stay HttpOnly (session) and Lax."""
    client = Client()
    page = client.get("/login/")
    login = client.post("/login/", {"username": "officer_a", "password": "pw-test-1"})
    assert login.status_code == 302
    session, csrf = login.cookies["sessionid"], page.cookies["csrftoken"]
    assert session["httponly"] and session["samesite"] == "Lax" and not session["secure"]
    assert csrf["samesite"] == "Lax" and not csrf["httponly"]


def test_a_geometry_naming_an_external_crs_is_refused_and_nothing_fetched(world):
    """Why gis.W001 may stay silenced: GDAL before 3.9 cannot be told not to read a file or a URL named as a
    spatial reference, but no text of a caller reaches GDAL's SRS parser (CRSs go through pyproj, layers/crs.py),
    and Django refuses a GeoJSON geometry whose `crs` names one. Held here through the business PATCH, which
    parses its geometry with GEOSGeometry."""
    import socket
    import threading

    from tests.gisportal.test_role_matrix import client_for

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(2)
    seen: list[bytes] = []

    def watch() -> None:
        try:
            conn, _ = listener.accept()
            seen.append(conn.recv(200))
            conn.close()
        except OSError:
            pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    business = world.businesses[0]
    before = (business.geom.x, business.geom.y, business.version)
    client = client_for(world, "ward_officer")
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/crs"
    try:
        for name in (url, "/etc/hostname"):
            geometry = {
                "type": "Point",
                "coordinates": [106.705, 10.779],
                "crs": {"type": "name", "properties": {"name": name}},
            }
            response = client.patch(
                f"/api/v1/businesses/{business.pk}/",
                json.dumps({"version": business.version, "geometry": geometry}),
                content_type="application/json",
            )
            assert response.status_code == 400, (name, response.status_code, response.content[:300])
            assert response.json()["message_en"], response.content[:300]
    finally:
        watcher.join()
        listener.close()
    assert seen == []
    business.refresh_from_db()
    assert (business.geom.x, business.geom.y, business.version) == before


def test_passwords_are_hashed_with_pbkdf2_at_a_million_rounds():
    """The tests hash their users' passwords at few rounds (tests/passwords.py); the portal's own settings do not."""
    show = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gisportal.settings'); django.setup();"
        "from django.contrib.auth.hashers import get_hasher; h = get_hasher(); print(h.algorithm, h.iterations)"
    )
    out = _django(show, PRODUCTION_ENV)
    assert out.returncode == 0, out.stderr
    algorithm, rounds = out.stdout.split()
    assert algorithm == "pbkdf2_sha256" and int(rounds) >= 1_000_000
