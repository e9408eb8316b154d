"""psycopg's own cursor on Django's connection, bound on the server: for the hot reads that need what Django's
cursor, which binds on the client, cannot give (a binary result, a pipeline of statements).

Never prepared: psycopg would prepare a statement after five runs, and a prepared statement may get
PostgreSQL's generic plan, made without the spatial envelope's or the circle's values; each run is planned
for its own values, as Django's cursor's are. Django's error mapping is kept, so a lost database is the same
OperationalError (and 503, gisportal/errors.py) as everywhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import psycopg_pool
from django.db import connection

# How long a statement that could run beside this connection's waits for a spare connection of the pool before
# it runs on this one instead: a request never holds one connection while it waits long for a second (threads
# each holding one and waiting for another would stall the pool), and the pool, asked, opens one for the next.
SPARE_WAIT_S = 0.002


@contextlib.contextmanager
def server_cursors(n: int = 1) -> Iterator[list[psycopg.Cursor]]:
    """n cursors on this thread's connection, inside Django's error mapping."""
    with connection.wrap_database_errors:
        connection.ensure_connection()
        with contextlib.ExitStack() as stack:
            yield [stack.enter_context(psycopg.Cursor(connection.connection)) for _ in range(n)]


def _take_spare() -> tuple[psycopg_pool.ConnectionPool, psycopg.Connection] | None:
    """The pool and a connection it has spare at once, or None (no pool, none spare, inside a transaction)."""
    if connection.in_atomic_block or not connection.settings_dict["OPTIONS"].get("pool"):
        return None
    pool = connection.pool  # type: ignore[attr-defined]  # PostgreSQL's wrapper, with OPTIONS["pool"]
    try:
        return pool, pool.getconn(timeout=SPARE_WAIT_S)
    except psycopg_pool.PoolTimeout:
        return None


@contextlib.contextmanager
def spare_cursors(n: int) -> Iterator[list[psycopg.Cursor] | None]:
    """n cursors on a second connection of this connection's pool, whose statements PostgreSQL runs in another
    process, beside this connection's; None, to run them on this connection, when n is 0, when there is no pool,
    when the pool has none spare at once, or inside a transaction, whose uncommitted rows another would not see.
    """
    taken = _take_spare() if n else None
    if taken is None:
        yield None
        return
    pool, spare = taken
    try:
        with connection.wrap_database_errors, contextlib.ExitStack() as stack:
            yield [stack.enter_context(psycopg.Cursor(spare)) for _ in range(n)]
    finally:
        pool.putconn(spare)


def explain(query: str, params: dict) -> str:
    """The plan PostgreSQL picks for a statement sent through `server_cursors`, with the same binding."""
    with server_cursors() as [cur]:
        cur.execute("EXPLAIN " + query, params, prepare=False)
        return "\n".join(row[0] for row in cur.fetchall())
