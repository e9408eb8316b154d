"""Row counts and checksums of the portal's tables: what a refused request must leave as it was."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

APPS = {"gisportal", "layers", "households", "businesses", "imagery", "detection", "reports", "themes", "forest"}
# Written on purpose by a refusal, or by the client's session: not the data a hostile input may touch. An
# import's job row records a refused file and its report for the officer (layers_importjob: a GIS file's
# preview; households_houseimport: a house-number file's report; businesses_syncrun: a sync's); the rows
# they would import are checked.
SKIP = (
    "django_session",
    "axes_",
    "gisportal_auditlog",
    "gisportal_apitoken",
    "layers_importjob",
    "households_houseimport",
    "businesses_syncrun",  # a sync's run: its report of the rejected rows, what the sender reads
)


def data_tables() -> list[str]:
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.app_label in APPS}
    return sorted(t for t in tables if not t.startswith(SKIP))


def snapshot() -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of the sorted md5s of its rows)} for every data table, in one query (one per table made
    a walk's hundreds of snapshots thousands of round trips)."""
    tables = data_tables()
    rows = "string_agg(md5(t::text), ',' ORDER BY md5(t::text))"
    sql = " UNION ALL ".join(
        f"SELECT %s::text, count(*), md5(coalesce({rows}, '')) FROM \"{table}\" t" for table in tables
    )
    with connection.cursor() as cur:
        cur.execute(sql, tables)
        return {table: (count, digest) for table, count, digest in cur.fetchall()}


def changed(before: dict, after: dict) -> dict[str, tuple]:
    return {t: (before.get(t), after.get(t)) for t in after if before.get(t) != after.get(t)}
