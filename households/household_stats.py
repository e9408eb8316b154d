"""Household counts per khu phố or per ward: what leaders see of households (never a person, never a row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

GROUPS = {"khu_pho": ("ward_id", "khu_pho_id"), "ward": ("ward_id",)}
COUNTS = (
    "households",
    "people",
    "poor",
    "near_poor",
    "policy_family",
    "social_allowance",
    "military_age_youth",
    "moves_in",
    "people_in",
    "moves_out",
    "people_out",
)

# Resident households by group, and the moves of the period by the same group; the scope (wards, a
# khu phố) is applied to both sides. {keys} is one of GROUPS, never user text.
_STATS = """
WITH scoped AS (
    SELECT * FROM households_household
     WHERE (%(wards)s::bigint[] IS NULL OR ward_id = ANY(%(wards)s::bigint[]))
       AND (%(khu_pho)s::bigint IS NULL OR khu_pho_id = %(khu_pho)s::bigint)
), resident AS (
    SELECT {keys}, count(*) AS households, sum(size) AS people,
           count(*) FILTER (WHERE poor) AS poor, count(*) FILTER (WHERE near_poor) AS near_poor,
           count(*) FILTER (WHERE policy_family) AS policy_family,
           count(*) FILTER (WHERE social_allowance) AS social_allowance,
           sum(military_age_youth) AS military_age_youth
      FROM scoped WHERE status = 'resident' GROUP BY {keys}
), moved AS (
    SELECT {h_keys},
           count(*) FILTER (WHERE m.kind = 'in') AS moves_in, sum(m.persons) FILTER (WHERE m.kind = 'in') AS people_in,
           count(*) FILTER (WHERE m.kind = 'out') AS moves_out,
           sum(m.persons) FILTER (WHERE m.kind = 'out') AS people_out
      FROM households_householdmove m JOIN scoped h ON h.id = m.household_id
     WHERE m.date BETWEEN %(start)s AND %(end)s GROUP BY {h_keys}
)
SELECT {keys}, {counts}
  FROM resident FULL JOIN moved USING ({keys})
 ORDER BY {keys}
"""


def household_stats(
    group_by: str, start: dt.date, end: dt.date, wards: set[int] | None = None, khu_pho: int | None = None
) -> list[dict]:
    """One row of counts per group; ``wards`` None means every ward, ``khu_pho`` narrows to one khu phố."""
    keys = GROUPS[group_by]
    sql = _STATS.format(
        keys=", ".join(keys),
        h_keys=", ".join(f"h.{k}" for k in keys),
        counts=", ".join(f"coalesce({c}, 0)" for c in COUNTS),
    )
    args = {"wards": sorted(wards) if wards is not None else None, "khu_pho": khu_pho, "start": start, "end": end}
    with connection.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall()
    return [
        dict(zip((*keys, *COUNTS), (*r[: len(keys)], *(int(v) for v in r[len(keys) :])), strict=True)) for r in rows
    ]


# What a count says about the few families behind it: a khu phố with one poor household names that family to
# anyone who knows the street. Households and people per group are population figures and stay shown.
SENSITIVE = tuple(c for c in COUNTS if c not in ("households", "people"))


def suppress_small(rows: list[dict], totals: dict, k: int) -> None:
    """Hide (None) every sensitive count from 1 to k-1, in rows and totals, as statistics offices do for
    published tables. When a column would hide a single cell, the total minus the shown cells would give it
    back: the smallest shown non-zero cell of that column is hidden too (a zero would tell that the hidden
    pair is one family and nothing), else a zero, or, with none left, the total.

    Khu phố rows are suppressed ward by ward, each ward's total being the margin: a leader also reads the
    ward's total (group_by=ward) and the ward alone (?ward=), so two wards hiding one khu phố each must not
    leave each ward's hidden cell equal to its total minus its shown cells. The pattern depends on the
    ward's own counts only, so every request that shows a ward's khu phố hides the same cells."""
    if rows and "khu_pho_id" in rows[0]:
        by_ward: dict[Any, list[dict]] = {}
        for row in rows:
            by_ward.setdefault(row["ward_id"], []).append(row)
        for ward_rows in by_ward.values():
            margin = {c: sum(r[c] for r in ward_rows) for c in SENSITIVE}
            _suppress(ward_rows, margin, k)
    _suppress(rows, totals, k)


def _suppress(rows: list[dict], totals: dict, k: int) -> None:
    for column in SENSITIVE:
        small = [r for r in rows if r[column] is not None and 0 < r[column] < k]
        for row in small:
            row[column] = None
        if column in totals and totals[column] is not None and 0 < totals[column] < k:
            totals[column] = None
        hidden = [r for r in rows if r[column] is None]
        if len(hidden) == 1 and totals.get(column) is not None:
            shown = [r for r in rows if r[column] is not None]
            if shown:
                min(shown, key=lambda r: (r[column] == 0, r[column]))[column] = None
            else:
                totals[column] = None
