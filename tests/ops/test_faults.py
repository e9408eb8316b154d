"""Faults against the portal as production serves it (gunicorn + uvicorn workers, DEBUG off, throttles on).

PostgreSQL going away under requests in flight (a throw-away cluster of its own, stopped and started again):
503s with a Vietnamese-then-English message, never a 500, and answers again without restarting the portal.
Redis down: everything that does not need it still serves.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote

import pytest
from django.db import connection

from tests.ops.cluster import Cluster, PortalServer, free_port

PUBLIC = [
    "/api/v1/businesses/radius?lat=10.78&lon=106.70&radius_m=500",
    f"/api/v1/businesses/name-check?name={quote('Phở Hòa')}&area=city",
    "/ogc/collections/businesses/items?limit=5",
]
FAST = {"THROTTLE_ANON": "100000/min", "THROTTLE_USER": "100000/min"}


@pytest.fixture
def cluster():
    made = Cluster("faults").init()
    made.start()
    yield made
    made.remove()


def test_database_restart_answers_503_then_recovers(live_world, cluster, tmp_path):
    url = cluster.copy_database(connection.settings_dict["NAME"])
    server = PortalServer(tmp_path / "web.log", DATABASE_URL=url, DATABASE_POOL_TIMEOUT="2", **FAST)
    try:
        for path in PUBLIC:
            status, body, _ = server.get(path)
            assert status == 200, (path, body[:300])
        pid = server.proc.pid

        seen: list[tuple[float, str, int, bytes, dict]] = []
        stop = threading.Event()

        def client(offset: int) -> None:
            i = offset
            while not stop.is_set():
                path = PUBLIC[i % len(PUBLIC)]
                status, body, headers = server.get(path)
                seen.append((time.monotonic(), path, status, body, headers))
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        cluster.stop("fast")  # sessions ended under the requests in flight, as a restart or failover does
        down_at = time.monotonic()
        time.sleep(5.0)
        cluster.start()
        up_at = time.monotonic()
        deadline = up_at + 40
        while time.monotonic() < deadline:
            recent = {p for at, p, s, _, _ in seen if at > up_at and s == 200}
            if recent == set(PUBLIC):
                break
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=40)

        statuses = [s for _, _, s, _, _ in seen]
        assert set(statuses) <= {200, 503}, sorted(set(statuses))
        outage = [(b, h) for at, _, s, b, h in seen if s == 503]
        assert outage, "no request was refused while PostgreSQL was down"
        assert all(down_at - 3 < at for at, _, s, _, _ in seen if s == 503)
        for raw, headers in outage:
            body = json.loads(raw)
            assert body["error"] == "database_unavailable"
            assert "Cơ sở dữ liệu" in body["message"] and "database" in body["message_en"]
            assert headers.get("Retry-After") == "5"
        recovered = {p for at, p, s, _, _ in seen if at > up_at and s == 200}
        assert recovered == set(PUBLIC), f"not answering again within 40 s of the restart: {recovered}"
        assert server.proc.poll() is None and server.proc.pid == pid  # the same portal, never restarted
    finally:
        server.close()


def test_a_page_while_the_database_is_down_is_a_503_page(tmp_path):
    """A closed port as the database: pages answer the bilingual 503 page, the API the JSON one."""
    closed = f"postgis://postgres@127.0.0.1:{free_port()}/portal"
    server = PortalServer(tmp_path / "web.log", probe=None, DATABASE_URL=closed, DATABASE_POOL_TIMEOUT="1", **FAST)
    try:
        status, body, headers = server.get("/businesses/", headers={"Accept": "text/html"})
        assert status == 503, body[:300]
        assert "text/html" in headers["Content-Type"]
        text = body.decode()
        assert text.index("Cơ sở dữ liệu") < text.index("The database")
        status, body, _ = server.get(PUBLIC[0])
        assert status == 503 and json.loads(body)["error"] == "database_unavailable"
    finally:
        server.close()


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_redis_down_the_portal_still_serves(live_world, tmp_path):
    """Redis on a closed port: throttles fail open, pages, API reads and tiles answer; health names Redis."""
    db = connection.settings_dict
    server = PortalServer(
        tmp_path / "web.log",
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    try:
        status, body, _ = server.get("/tiles/")
        assert status == 200
        layer = json.loads(body)["layers"][0]["name"] if "layers" in json.loads(body) else "businesses"
        x, y = tile_xy(106.695, 10.781, 14)
        for path in [*PUBLIC, "/", "/businesses/", f"/tiles/{layer}/14/{x}/{y}.mvt", "/ogc/collections"]:
            status, body, _ = server.get(path, headers={"Accept": "text/html,application/json"})
            assert status == 200, (path, status, body[:300])
        status, body, _ = server.get("/api/health/")
        checks = json.loads(body)["checks"]
        assert status == 503 and checks["redis"]["ok"] is False and checks["database"]["ok"] is True
    finally:
        server.close()


def test_imagery_cache_without_redis_misses_instead_of_failing(settings):
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "imagery": {"BACKEND": "gisportal.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"},
    }
    cache = caches["imagery"]
    cache.set("tile:x", b"png")  # dropped, not raised
    assert cache.get("tile:x") is None
    assert cache.get("tile:x", "default") == "default"
