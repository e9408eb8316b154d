"""The ASGI fast path answers exactly what Django answers: same status, headers and bytes, same errors in both
languages, the same throttle buckets and 429s, the same cache headers; and anything it cannot answer the same
(a signed-in caller, a browser's HTML, HEAD, another host) goes to Django untouched."""

from __future__ import annotations

import asyncio
import math

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.core.cache import caches
from django.db import close_old_connections
from django.test import override_settings
from django.urls import resolve

from businesses.api import public
from gisportal import asgi, fastpath
from layers.tiles import api as tiles_api


@pytest.fixture(autouse=True)
def _one_transaction_and_fresh_counts():
    # As Django's test client does: the end of a request must not close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(app, path: str, query: str = "", headers: dict[str, str] | None = None, method: str = "GET"):
    """One request through an ASGI app: (status, headers as a dict, body)."""
    sent: list[dict] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:8000")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("203.0.113.20", 50000),
        "server": ("127.0.0.1", 8000),
    }

    received = []

    async def receive():
        if received:  # Django listens for a disconnect while the view runs: none comes
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async_to_sync(app)(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


class Recorder:
    """Django behind the fast path, noting what reached it."""

    def __init__(self):
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await asgi.django_application(scope, receive, send)


@pytest.fixture
def fast():
    recorder = Recorder()
    return fastpath.FastPath(recorder, asgi.ROUTES), recorder


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _cases(world) -> list[tuple[str, str, dict]]:
    b = world.businesses[0]
    x, y = _tile_of(b.geom.x, b.geom.y, 16)
    return [
        ("/api/v1/ping", "", {}),
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=5000&page_size=2", {}),
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=5000&page=2&page_size=1", {}),
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=1", {}),  # 400, radius
        ("/api/v1/businesses/radius", "lon=106.70&radius_m=100", {}),  # 400, missing lat
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=100&industry=0000", {}),  # unknown industry
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=100&page=x", {}),
        ("/api/v1/businesses/radius", "lat=10.78&lon=106.70&radius_m=1%00", {}),  # NUL: RefuseNul's 400
        ("/api/v1/businesses/name-check", "name=Ph%E1%BB%9F%20H%C3%B2a&area=city", {}),
        ("/api/v1/businesses/name-check", f"name=Ph%E1%BB%9F%20H%C3%B2a&ward={world.ward_a.pk}", {}),
        ("/api/v1/businesses/name-check", "name=Pho%20Hao&area=city", {"Accept": "application/json"}),
        ("/api/v1/businesses/name-check", "name=c%C3%B4ng%20ty%20Lan&area=city", {"Cookie": "django_language=en"}),
        ("/api/v1/businesses/name-check", "name=&area=city", {}),  # 400
        ("/api/v1/businesses/name-check", "name=Lan&area=ward", {}),  # 400 ward_required
        ("/api/v1/businesses/name-check", "name=Lan&area=moon", {}),  # 400
        (f"/tiles/businesses/16/{x}/{y}.mvt", "", {}),
        (f"/tiles/businesses/16/{x + 40}/{y + 40}.mvt", "", {}),  # 204
        ("/tiles/businesses/12/0/0.mvt", "", {"Cookie": "django_language=en"}),
        ("/tiles/businesses/3/99/0.mvt", "", {}),  # 400
        ("/tiles/nothing/16/1/1.mvt", "", {}),  # 404
    ]


def test_the_fast_path_answers_what_django_answers(world, fast):
    app, reached_django = fast
    for path, query, headers in _cases(world):
        expected = call(asgi.django_application, path, query, headers)
        got = call(app, path, query, headers)
        assert got == expected, (path, query, got[:2], expected[:2])
    assert reached_django.paths == []  # every one was answered by the fast path


def test_a_tile_revalidates_with_its_etag_as_through_django(world, fast):
    app, reached_django = fast
    b = world.businesses[0]
    x, y = _tile_of(b.geom.x, b.geom.y, 16)
    path = f"/tiles/businesses/16/{x}/{y}.mvt"
    status, headers, body = call(app, path)
    assert status == 200 and body and headers["cache-control"] == "public, max-age=60"
    revalidated = call(app, path, headers={"If-None-Match": headers["etag"]})
    assert revalidated == call(asgi.django_application, path, headers={"If-None-Match": headers["etag"]})
    assert revalidated[0] == 304 and revalidated[2] == b""
    assert reached_django.paths == []


@override_settings(THROTTLE_RATES={"anon": "3/min", "user": None})
def test_throttles_count_in_the_same_bucket_and_answer_the_same_429(world, fast):
    app, _ = fast
    url, query = "/api/v1/businesses/name-check", "name=Lan&area=city"
    django_429 = None
    for _ in range(4):
        django_429 = call(asgi.django_application, url, query)
    assert django_429[0] == 429
    caches["throttle"].clear()
    for _ in range(3):
        assert call(app, url, query)[0] == 200
    fast_429 = call(app, url, query)
    assert fast_429 == django_429
    body = fast_429[2].decode()
    assert '"error":"throttled"' in body and "Quá nhiều yêu cầu" in body and "throttled" in body
    assert int(fast_429[1]["retry-after"]) > 0
    # One bucket per client, whichever path counts: two here, one through Django, and the fourth is refused.
    caches["throttle"].clear()
    call(app, url, query), call(app, url, query)
    assert call(asgi.django_application, "/api/v1/ping")[0] == 200
    assert call(app, "/api/v1/ping")[0] == 429
    # Tiles are plain Django views, never throttled: not through the fast path either.
    assert call(app, "/tiles/businesses/16/1/1.mvt")[0] == 204


@override_settings(THROTTLE_RATES={"anon": "2/min", "user": None})
def test_a_client_over_its_limit_costs_the_database_nothing_until_its_counts_clear(world, fast, monkeypatch):
    """The fast path counts while the scan runs (throttles.count_later); once a client is refused, its next
    requests wait for Redis's verdict and never start a scan. Redis stays the judge: clearing it frees them."""
    app, _ = fast
    scans = []
    real_scan = public.radius.scan
    monkeypatch.setattr(public.radius, "scan", lambda *a: scans.append(a) or real_scan(*a))
    b = world.businesses[0]
    url, query = "/api/v1/businesses/radius", f"lat={b.geom.y}&lon={b.geom.x}&radius_m=300"
    assert [call(app, url, query)[0] for _ in range(3)] == [200, 200, 429]
    assert len(scans) == 3  # the third was scanned while Redis counted it
    refused = call(app, url, query)
    assert refused[0] == 429 and int(refused[1]["retry-after"]) > 0
    assert len(scans) == 3
    # Over the limit, bad input is a 429 as under Django, which checks the throttle before the view.
    bad = "lat=10.77&lon=106.68&radius_m=0"
    fast_bad, django_bad = call(app, url, bad), call(asgi.django_application, url, bad)
    assert fast_bad[0] == django_bad[0] == 429 and fast_bad[2] == django_bad[2]
    caches["throttle"].clear()
    assert call(app, url, query)[0] == 200
    assert len(scans) == 4


def test_what_the_fast_path_cannot_answer_the_same_goes_to_django(world, fast):
    app, reached_django = fast
    radius = "lat=10.78&lon=106.70&radius_m=100"
    for headers, method in [
        ({"Cookie": "sessionid=abc"}, "GET"),  # a signed-in officer: DRF authenticates, the officer throttle
        ({"Authorization": "Token abc"}, "GET"),
        ({"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, "GET"),  # DRF's browsable page
        ({}, "HEAD"),
        ({"Host": "evil.example"}, "GET"),  # DisallowedHost: Django's 400
    ]:
        reached_django.paths.clear()
        status, _, _ = call(app, "/api/v1/businesses/radius", radius, headers, method)
        assert reached_django.paths == ["/api/v1/businesses/radius"], (headers, method, status)
    reached_django.paths.clear()
    call(app, "/api/v1/businesses/radius", radius + "&format=json")
    call(app, "/tiles/basemap/16/1/1.mvt")  # the basemap's own tiles, resolved before the layers' by Django
    call(app, "/api/v1/businesses/industries")
    assert reached_django.paths == [
        "/api/v1/businesses/radius",
        "/tiles/basemap/16/1/1.mvt",
        "/api/v1/businesses/industries",
    ]


def test_every_fast_route_is_the_url_of_the_django_view_whose_functions_it_calls():
    """The OpenAPI schema and the role matrix see the Django views: the fast routes must be their URLs."""
    assert resolve("/api/v1/ping").url_name == "ping"
    assert resolve("/api/v1/businesses/radius").func.__name__ == public.radius_scan.__name__
    assert resolve("/api/v1/businesses/name-check").func.__name__ == public.name_check.__name__
    assert resolve("/tiles/businesses/16/1/2.mvt").func is tiles_api.tile
    patterns = [route.pattern for route in asgi.ROUTES]
    assert not any(p.match("/tiles/basemap/16/1/2.mvt") for p in patterns)
    assert sum(bool(p.match("/tiles/businesses/16/1/2.mvt")) for p in patterns) == 1
