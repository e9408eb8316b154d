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
from django.db import connection


@contextlib.contextmanager
def server_cursors(n: int = 1) -> Iterator[list[psycopg.Cursor]]:
    """n cursors on this thread's connection, inside Django's error mapping."""
    with connection.wrap_database_errors:
        connection.ensure_connection()
        with contextlib.ExitStack() as stack:
            yield [stack.enter_context(psycopg.Cursor(connection.connection)) for _ in range(n)]


def explain(query: str, params: dict) -> str:
    """The plan PostgreSQL picks for a statement sent through `server_cursors`, with the same binding."""
    with server_cursors() as [cur]:
        cur.execute("EXPLAIN " + query, params, prepare=False)
        return "\n".join(row[0] for row in cur.fetchall())
