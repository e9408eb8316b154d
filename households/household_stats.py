"""Household counts per khu phố or per ward: what leaders see of households (never a person, never a row)."""

from __future__ import annotations

import datetime as dt

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
