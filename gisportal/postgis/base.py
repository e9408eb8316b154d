"""The database engine (settings ENGINE "gisportal.postgis"): GeoDjango's PostGIS backend, with a pool that
decides a pooled connection is still good without a round trip per request.

Django's pool with CONN_HEALTH_CHECKS sends a query to PostgreSQL each time a request takes a connection:
0.1–0.3 ms of a 1 ms public answer (docs/speed.md). A pooled connection is idle, so a healthy one has
nothing to read; when PostgreSQL restarts or kills the backend, the server sends a FATAL message and closes
the socket, which makes it readable. So the socket is polled (a system call, no round trip) and only a
readable or broken connection pays psycopg_pool's real check. A dead one means the server probably dropped its
idle siblings too (a restart): they are all checked at once, so that psycopg_pool's retry, which comes at once
the first time and after a growing back-off (1 s, 2 s, 4 s …) later, gets a live connection rather than the
next dead one (with eight dead connections one request waited out its 10 s timeout). A connection
that died silently (a network cut without a FIN) is caught by its first query: that request answers 503
(gisportal/errors.py) and the pool drops the broken connection when it comes back.
"""

from __future__ import annotations

import functools
import select

import psycopg
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISWrapper
from psycopg_pool import ConnectionPool


def check_connection(pool: ConnectionPool, conn: psycopg.Connection) -> None:
    """The pool's check: raise if the connection is not fit to hand out."""
    if not (conn.closed or conn.broken):
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        if not readable:
            return
        try:  # a FATAL message, an EOF or a stray notice: ask the server
            ConnectionPool.check_connection(conn)
            return
        except psycopg.Error:
            pass
    pool.check()  # the idle ones: the dead discarded and replaced, the live kept
    raise psycopg.OperationalError("the pooled connection is dead")


class DatabaseWrapper(PostGISWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # Django passes `check` itself (the round trip, or none), so it cannot come through OPTIONS["pool"];
        # the pool is built closed, before any connection is handed out, and takes its check from here.
        if pool is not None and self.settings_dict["CONN_HEALTH_CHECKS"]:
            pool._check = functools.partial(check_connection, pool)
        return pool
