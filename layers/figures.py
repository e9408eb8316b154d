"""Waste points by kind and by condition, and forest change between each plot's last two surveys, per ward (or per
khu phố of those wards), for the leaders' pages (registered in apps.py). The SQL is here, once."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gisportal.figures import GROUP, WARD, Figure, Value, WardFigures, on_dashboard

WASTE_KINDS = ("bin", "toilet", "transfer_station", "dump_hotspot")
WASTE_CONDITIONS = ("worn", "damaged", "overflowing")
# The order conditions worsen in (layers/forest/changes.py's CONDITION_RANK); a blank condition counts as healthy.
FOREST_RANK = "coalesce(array_position(ARRAY['healthy','stressed','degraded','lost'], {}::text), 1)"

_WASTE = "SELECT {{group}}, {counts} FROM layers_wastepoint WHERE NOT is_deleted AND ward_id = ANY(%s) GROUP BY 1"
_WASTE_SQL = _WASTE.format(
    counts=", ".join(
        [f"count(*) FILTER (WHERE kind = '{k}')" for k in WASTE_KINDS]
        + [f"count(*) FILTER (WHERE condition = '{c}')" for c in WASTE_CONDITIONS]
    )
)
# "damaged" and "overflowing" keep the keys the leader's home has always used.
_WASTE_KEYS = [f"waste_{k}" for k in WASTE_KINDS] + ["waste_worn", "damaged", "overflowing"]

# Each plot's last (rank 1) and previous (rank 2) survey; a plot with one survey has no change.
_FOREST_SQL = f"""
WITH ranked AS (
  SELECT plot_id, condition, carbon_t_ha,
         row_number() OVER (PARTITION BY plot_id ORDER BY surveyed_on DESC) AS rank
    FROM layers_forestsurvey
)
SELECT p.{{group}},
       count(*) FILTER (WHERE {FOREST_RANK.format("b.condition")} > {FOREST_RANK.format("a.condition")}),
       round(coalesce(sum((b.carbon_t_ha - a.carbon_t_ha) * p.area_ha), 0))::int
  FROM layers_forestplot p
  JOIN ranked b ON b.plot_id = p.id AND b.rank = 1
  JOIN ranked a ON a.plot_id = p.id AND a.rank = 2
 WHERE NOT p.is_deleted AND p.ward_id = ANY(%s)
 GROUP BY 1
"""


def count(ward_ids: list[int], by: str = WARD) -> dict[int, dict[str, Value]]:
    """Per ward, or per khu phố of these wards (`by`); rows in no khu phố count for their ward only."""
    out: dict[int, dict[str, Value]] = {}
    with connection.cursor() as cur:
        cur.execute(_WASTE_SQL.format(group=GROUP[by]), [list(ward_ids)])
        for area, *counts in cur.fetchall():
            if area is not None:
                out.setdefault(area, {}).update({k: Value(n) for k, n in zip(_WASTE_KEYS, counts, strict=True)})
        cur.execute(_FOREST_SQL.format(group=GROUP[by]), [list(ward_ids)])
        for area, worsened, carbon in cur.fetchall():
            if area is not None:
                out.setdefault(area, {}).update(forest_worsened=Value(worsened), forest_carbon_t=Value(carbon))
    return out


# A waste figure opens the leaders' dashboard on that figure for the ward, per khu phố (the editor shows the points
# but not a ward's count); forest change has its own page, plot by plot.
_WASTE_GROUP = _("Waste points")
_FOREST_GROUP = pgettext_lazy("figure group", "Forest")


def _waste(key: str, label, short) -> Figure:
    return Figure(key, label, on_dashboard(key), short=short, group=_WASTE_GROUP)


FIGURES = WardFigures(
    order=30,
    figures=(
        _waste("waste_bin", _("Public bins"), pgettext_lazy("figure column", "Bins")),
        _waste("waste_toilet", _("Public toilets"), pgettext_lazy("figure column", "Toilets")),
        _waste("waste_transfer_station", _("Waste transfer stations"), pgettext_lazy("figure column", "Transfer")),
        _waste("waste_dump_hotspot", _("Dumping hot spots"), pgettext_lazy("figure column", "Dumping")),
        _waste("waste_worn", _("Waste points worn"), pgettext_lazy("figure column", "Worn")),
        _waste("damaged", _("Waste points damaged"), pgettext_lazy("figure column", "Damaged")),
        _waste("overflowing", _("Waste points overflowing"), pgettext_lazy("figure column", "Overflowing")),
        Figure(
            "forest_worsened",
            _("Forest plots worsened since the previous survey"),
            "/layers/forest/",
            short=pgettext_lazy("figure column", "Plots worsened"),
            group=_FOREST_GROUP,
        ),
        Figure(
            "forest_carbon_t",
            _("Forest carbon change since the previous survey (t)"),
            "/layers/forest/",
            short=pgettext_lazy("figure column", "Carbon (t)"),
            group=_FOREST_GROUP,
        ),
    ),
    count=count,
    khu_pho=True,
)
