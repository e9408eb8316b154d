"""20 concurrent clients against a threaded server: every answer a 200, connections bounded by the pool.

The live server closes each request thread's connections itself, so this does not replay gunicorn's leak
(connections kept per thread under CONN_MAX_AGE); it checks that the pool is on, that requests wait for a
pooled connection rather than fail, and that the server never holds more than the pool's size."""

from __future__ import annotations

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection


def _connections_to(db_name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db_name])
        return cur.fetchone()[0]


def test_twenty_concurrent_clients_share_a_bounded_pool(live_server, transactional_db):
    pool = settings.DATABASES["default"]["OPTIONS"]["pool"]
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    db_name = connection.settings_dict["NAME"]
    url = live_server.url + "/api/v1/admin-units/"

    def get(_: int) -> int:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status

    # Others may hold connections to this database already (this worker's Celery worker, earlier pools).
    before = _connections_to(db_name)
    peak = 0
    with ThreadPoolExecutor(max_workers=20) as clients:
        futures = [clients.submit(get, i) for i in range(200)]
        for _ in range(20):
            peak = max(peak, _connections_to(db_name))
        statuses = [f.result() for f in futures]
    peak = max(peak, _connections_to(db_name))
    assert statuses == [200] * 200
    # At most the pool's size more than before: twenty clients, never twenty connections.
    assert peak - before <= pool["max_size"], (before, peak)


def test_a_pooled_connection_whose_server_went_away_is_not_handed_out(transactional_db):
    """After PostgreSQL drops pooled connections (a restart, an administrator's kill), the next request gets a
    working one: the pool polls each idle socket before handing it out (gisportal/postgis/base.py)."""
    import psycopg

    pool = connection.pool
    assert pool is not None
    pool.open()  # as Django does before its first connection (an earlier test may have closed the last pool)
    held = [pool.getconn() for _ in range(max(1, pool.get_stats().get("pool_available", 0)))]
    pids = [c.info.backend_pid for c in held]
    for c in held:
        pool.putconn(c)
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
        for _ in range(100):
            left = killer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]).fetchone()
            if left and left[0] == 0:
                break
            time.sleep(0.05)
    fresh = pool.getconn()
    try:
        assert fresh.info.backend_pid not in pids
        assert fresh.execute("SELECT 1").fetchone() == (1,)
    finally:
        pool.putconn(fresh)
