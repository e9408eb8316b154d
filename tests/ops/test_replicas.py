"""Read replicas: a real streaming replica (pg_basebackup -R) of a throw-away primary, behind the production server.

Public reads (radius scan, vector tile) are served by the replica, writes by the primary, a client that just wrote
reads from the primary, and the replica's lag stays bounded. Which server ran what is read from each server's own
statement log (log_statement = all).
"""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from django.db import connection

from gisportal.tokens import ApiToken
from tests.ops.cluster import Cluster, PortalServer
from tests.ops.test_faults import FAST, tile_xy

RADIUS = "/api/v1/businesses/radius?lat=10.781&lon=106.695&radius_m=500"


class Log:
    def __init__(self, cluster: Cluster) -> None:
        self.path = cluster.home / "log"
        self.mark()

    def mark(self) -> None:
        self.at = self.path.stat().st_size

    def since(self) -> str:
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            fh.seek(self.at)
            return fh.read()


@pytest.fixture
def clusters():
    primary = Cluster("primary").init()
    with open(primary.data / "postgresql.conf", "a") as conf:
        conf.write("log_statement = 'all'\n")
    primary.start()
    made = [primary]
    try:
        yield primary, made
    finally:
        for c in reversed(made):
            c.remove()


def test_public_reads_on_the_replica_writes_on_the_primary(live_world, clusters, tmp_path):
    primary, made = clusters
    _, key = ApiToken.issue(live_world.users["ward_officer"], "replica test")
    started = time.monotonic()
    url = primary.copy_database(connection.settings_dict["NAME"])
    replica = Cluster("replica")
    made.append(replica)
    replica.replica_of(primary).start()
    setup_s = time.monotonic() - started
    assert setup_s < 60, f"primary copy + replica took {setup_s:.1f} s"  # 1.9 s here; the brief allows 20
    replica_url = f"postgis://postgres@127.0.0.1:{replica.port}/portal"

    server = PortalServer(tmp_path / "web.log", DATABASE_URL=url, REPLICA_URLS=replica_url, **FAST)
    try:
        on_primary, on_replica = Log(primary), Log(replica)
        x, y = tile_xy(106.695, 10.781, 14)
        for path in [RADIUS] * 3 + [f"/tiles/businesses/14/{x}/{y}.mvt"]:
            status, body, _ = server.get(path)
            assert status == 200, (path, body[:300])
        assert on_replica.since().count("ST_DWithin") >= 3, (on_primary.since()[-3000:], on_replica.since()[-1000:])
        assert "ST_AsMVT" in on_replica.since()
        assert "ST_DWithin" not in on_primary.since() and "ST_AsMVT" not in on_primary.since()

        # A write goes to the primary (a standby would refuse it) and pins this client to the primary.
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [106.6952, 10.7812]},
            "properties": {
                "registration_no": "41A8REPL001", "signboard": "Bánh Mì Bản Sao", "owner_name": "Nguyễn Văn Sao",
                "owner_phone": "0909 000 111", "industry_code": "5610", "registered_on": "2025-08-01",
                "address_current": "1 Đường Số 1, Phường An Nhơn",
            },
        }  # fmt: skip
        on_primary.mark()
        on_replica.mark()
        import urllib.request

        request = urllib.request.Request(
            server.base + "/api/v1/businesses/",
            data=json.dumps(feature).encode(),
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            created = json.loads(response.read())["id"]
            pin = response.headers["Set-Cookie"].split(";")[0]
        wrote_at = time.monotonic()
        assert 'INSERT INTO "businesses_business"' in on_primary.since()
        assert "INSERT" not in on_replica.since()
        assert pin.startswith("db_primary_until=")

        # Read-after-write: the pinned client's scan runs on the primary and counts the new shop.
        on_primary.mark()
        on_replica.mark()
        status, body, _ = server.get(RADIUS, headers={"Cookie": pin})
        assert status == 200
        assert "ST_DWithin" in on_primary.since() and "ST_DWithin" not in on_replica.since()
        pinned_total = json.loads(body)["total"]

        # The replica catches up within a bounded lag; then an unpinned scan on it counts the shop too.
        with psycopg.connect(replica.url("portal"), autocommit=True) as standby:
            while not standby.execute("SELECT 1 FROM businesses_business WHERE id = %s", [created]).fetchone():
                assert time.monotonic() - wrote_at < 5, "the replica is more than 5 s behind"
                time.sleep(0.05)
            lag = time.monotonic() - wrote_at
        on_replica.mark()
        status, body, _ = server.get(RADIUS)
        assert status == 200 and json.loads(body)["total"] == pinned_total
        assert "ST_DWithin" in on_replica.since()

        status, body, _ = server.get("/api/health/")
        replicas = json.loads(body)["checks"]["replicas"]
        assert replicas["ok"] is True, replicas
        assert replicas["replicas"]["replica_0"]["standby"] is True
        assert replicas["replicas"]["replica_0"]["lag_s"] < 5
        print(f"replica set-up {setup_s:.1f} s, write visible on the replica after {lag * 1000:.0f} ms")
    finally:
        server.close()
