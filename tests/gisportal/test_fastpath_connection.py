"""The fast path's database connection (gisportal/fastpath.py, gisportal/postgis/base.py), under the ASGI server
production runs: its thread keeps one pooled connection between requests, a kept connection the server has
dropped is never used for a request, and the pool hands out the connection given back last."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from tests import asgi_live

TILE = "/tiles/businesses/16/52196/30794.mvt"  # empty in the test database: a 204, after its query ran


@pytest.fixture
def asgi_server(transactional_db):
    yield from asgi_live.serve()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _kept(server: asgi_live.AsgiServer) -> int | None:
    """The backend of the connection the server's fast-path thread holds between requests (None: it holds none)."""

    def pid() -> int | None:
        held = connections["default"].connection
        return held.info.backend_pid if held is not None else None

    return server.call(sync_to_async(pid, thread_sensitive=True)())


def test_the_fast_path_keeps_its_connection_between_requests(asgi_server):
    assert _get(asgi_server.url + TILE) == 204
    kept = _kept(asgi_server)
    assert kept is not None  # handed back to the pool, the thread would hold none
    for _ in range(5):
        assert _get(asgi_server.url + TILE) == 204
        assert _kept(asgi_server) == kept


def test_a_kept_connection_the_server_dropped_is_not_used(asgi_server):
    assert _get(asgi_server.url + TILE) == 204
    kept = _kept(asgi_server)
    assert kept is not None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [kept])
    for _ in range(100):
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [kept])
            if cur.fetchone()[0] == 0:
                break
        time.sleep(0.05)
    # Without the socket's check this request would run on the dead connection and answer 503.
    assert _get(asgi_server.url + TILE) == 204
    now = _kept(asgi_server)
    assert now is not None and now != kept


def test_the_pool_hands_out_the_connection_given_back_last(transactional_db):
    pool = connection.pool
    assert pool is not None
    pool.open()
    taken = [pool.getconn() for _ in range(3)]
    pids = [c.info.backend_pid for c in taken]
    for c in taken:
        pool.putconn(c)
    again = pool.getconn()
    try:
        assert again.info.backend_pid == pids[-1], pids
        assert isinstance(again, psycopg.Connection)
    finally:
        pool.putconn(again)
    second = pool.getconn()
    try:
        assert second.info.backend_pid == pids[-1]  # given back last again
    finally:
        pool.putconn(second)
