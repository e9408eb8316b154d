"""The database engine (settings ENGINE "gisportal.postgis"): GeoDjango's PostGIS backend, with a pool that
hands out the connection used last and decides a pooled connection is still good without a round trip per
request.

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


def quiet(conn: psycopg.Connection) -> bool:
    """Whether an idle connection is open and the server has sent it nothing (no FATAL, no EOF): a system
    call, no round trip."""
    if conn.closed or conn.broken:
        return False
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return not readable


def check_connection(pool: ConnectionPool, conn: psycopg.Connection) -> None:
    """The pool's check: raise if the connection is not fit to hand out."""
    if quiet(conn):
        return
    if not (conn.closed or conn.broken):
        try:  # a FATAL message, an EOF or a stray notice: ask the server
            ConnectionPool.check_connection(conn)
            return
        except psycopg.Error:
            pass
    pool.check()  # the idle ones: the dead discarded and replaced, the live kept
    raise psycopg.OperationalError("the pooled connection is dead")


class LastUsedFirstPool(ConnectionPool):
    """psycopg_pool's pool, handing out the connection given back last (a stack, as SQLAlchemy's
    `pool_use_lifo` and Rails' pool) where psycopg_pool hands out the one idle longest (a queue).

    A queue spreads one worker's sequential requests over every pooled connection in turn, so each query
    ran on a PostgreSQL backend whose memory had gone cold in the CPU's caches: with two connections the
    same z16 tile query took 10.7 ms in the server against 8.5 ms in a script on one connection
    (docs/speed.md, "Third pass"). A stack keeps the busy few hot, and the idle rest at the bottom are
    the ones psycopg_pool's shrinking closes after `max_idle`, as it closes the oldest.
    """

    def _get_ready_connection(self, timeout: float | None) -> psycopg.Connection | None:
        # Under the pool's lock: the newest (right) end comes round to the left, which psycopg_pool takes,
        # so its own bookkeeping (timeouts, the idle minimum that shrinking reads) stays as it is.
        self._pool.rotate(1)
        return super()._get_ready_connection(timeout)


class DatabaseWrapper(PostGISWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # Django builds the pool itself and passes `check` (the round trip, or none), so neither the class
        # nor the check can come through OPTIONS["pool"]; the pool is built closed, before any connection is
        # handed out, and takes both here, once.
        if pool is not None and not isinstance(pool, LastUsedFirstPool):
            pool.__class__ = LastUsedFirstPool
            if self.settings_dict["CONN_HEALTH_CHECKS"]:
                pool._check = functools.partial(check_connection, pool)
        return pool
