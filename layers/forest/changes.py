"""Forest plots over time: the change between two surveys, per plot and per sub-zone. The SQL lives here, once.

Which two surveys: for each plot, the latest survey on or before `start` and the latest on or
before `end` (both dates given), or else the plot's last two surveys. A plot with only one survey
in the window has no change and is left out (counted in `plots_without_pair`). Per sub-zone, the
means of the plots' changes and the carbon change in tonnes (Δ t/ha × the plot's area).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.db import connection

MEASURES = ["canopy_cover_pct", "density_per_ha", "mean_height_m", "mean_dbh_cm", "carbon_t_ha"]
CONDITION_RANK = {"healthy": 0, "stressed": 1, "degraded": 2, "lost": 3}

# One row per plot with both surveys. Rank 1 is the later survey, rank 2 the earlier one.
_PAIRS = """
WITH ranked AS (
  SELECT s.*, row_number() OVER (PARTITION BY s.plot_id ORDER BY s.surveyed_on DESC) AS rank_all,
         row_number() OVER (PARTITION BY s.plot_id, s.surveyed_on <= %(start)s
                            ORDER BY s.surveyed_on DESC) AS rank_side
    FROM layers_forestsurvey s
    JOIN layers_forestplot p ON p.id = s.plot_id
   WHERE NOT p.is_deleted AND s.surveyed_on <= %(end)s AND (%(sub_zone)s = '' OR p.sub_zone = %(sub_zone)s)
),
pairs AS (
  SELECT b.plot_id, a.id AS a_id, b.id AS b_id
    FROM ranked b JOIN ranked a ON a.plot_id = b.plot_id
   WHERE CASE WHEN %(by_dates)s
              THEN b.rank_all = 1 AND b.surveyed_on > %(start)s AND a.surveyed_on <= %(start)s AND a.rank_side = 1
              ELSE b.rank_all = 1 AND a.rank_all = 2 END
)
SELECT p.id, p.code, p.sub_zone, p.species, p.area_ha, ST_AsGeoJSON(p.geom, 7),
       a.surveyed_on, b.surveyed_on, a.condition, b.condition, {measures}
  FROM pairs x
  JOIN layers_forestplot p ON p.id = x.plot_id
  JOIN layers_forestsurvey a ON a.id = x.a_id
  JOIN layers_forestsurvey b ON b.id = x.b_id
 ORDER BY p.sub_zone, p.code
"""
_SQL = _PAIRS.format(measures=", ".join(f"a.{m}, b.{m}" for m in MEASURES))

_COUNT = """SELECT count(*) FROM layers_forestplot p
             WHERE NOT p.is_deleted AND (%(sub_zone)s = '' OR p.sub_zone = %(sub_zone)s)"""


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 3)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def change(start: dt.date | None = None, end: dt.date | None = None, sub_zone: str = "") -> dict[str, Any]:
    """Per plot (a GeoJSON FeatureCollection) and per sub-zone (a table) change between two surveys."""
    by_dates = start is not None and end is not None
    params: dict[str, Any] = {
        "start": start or dt.date.min,
        "end": end or dt.date.max,
        "by_dates": by_dates,
        "sub_zone": sub_zone,
    }
    with connection.cursor() as cur:
        cur.execute(_SQL, params)
        rows = cur.fetchall()
        cur.execute(_COUNT, params)
        plots_total = cur.fetchone()[0]
    features: list[dict[str, Any]] = []
    zones: dict[str, Any] = {}
    for row in rows:
        pk, code, zone, species, area_ha, geom, a_day, b_day, a_cond, b_cond, *values = row
        props: dict[str, Any] = {
            "code": code,
            "sub_zone": zone,
            "species": species,
            "area_ha": area_ha,
            "from": a_day.isoformat(),
            "to": b_day.isoformat(),
            "condition_from": a_cond,
            "condition_to": b_cond,
            "worsened": CONDITION_RANK.get(b_cond, 0) > CONDITION_RANK.get(a_cond, 0),
        }
        for i, m in enumerate(MEASURES):
            a, b = values[2 * i], values[2 * i + 1]
            props[f"{m}_from"], props[f"{m}_to"], props[f"{m}_change"] = a, b, _delta(a, b)
        carbon = props["carbon_t_ha_change"]
        props["carbon_t_change"] = None if carbon is None else round(carbon * area_ha, 3)
        features.append({"type": "Feature", "id": pk, "geometry": _json(geom), "properties": props})
        z = zones.setdefault(zone, {"sub_zone": zone, "plots": 0, "worsened": 0, "area_ha": 0.0, "_d": {}})
        z["plots"] += 1
        z["worsened"] += props["worsened"]
        z["area_ha"] += area_ha
        for m in [*MEASURES, "carbon_t_change"]:
            key = m if m == "carbon_t_change" else f"{m}_change"
            if props[key] is not None:
                z["_d"].setdefault(m, []).append(props[key])
    table = []
    for z in zones.values():
        deltas = z.pop("_d")
        entry = {**z, "area_ha": round(z["area_ha"], 4)}
        for m in MEASURES:
            entry[f"{m}_change_mean"] = _mean(deltas.get(m, []))
        entry["carbon_t_change"] = round(sum(deltas.get("carbon_t_change", [])), 3)
        table.append(entry)
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "mode": "dates" if by_dates else "last_two",
        "plots_total": plots_total,
        "plots_without_pair": plots_total - len(features),
        "plots": {"type": "FeatureCollection", "features": features},
        "sub_zones": table,
    }


def _json(text: str) -> dict:
    return orjson.loads(text)
