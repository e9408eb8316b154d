"""A district leader's home: each of their wards in figures, with links to the pages behind them.

Modest on purpose (the full operations centre is another issue). The figures come from the registry that apps
fill (`gisportal/figures.py`: businesses by status, house numbers with problems, waste points overflowing or
damaged), so this page knows no app's models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frontend.breaks import breaks_for
from gisportal import figures as registry
from layers.models import AdminUnit


@dataclass
class Cell:
    key: str
    link: str
    value: registry.Value


@dataclass
class WardRow:
    ward: AdminUnit
    cells: list[Cell]


def classified_wards() -> list[AdminUnit]:
    """Every ward levels classify: the wards any leader may follow."""
    return list(AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-"))


def leader_wards(user: Any) -> list[AdminUnit]:
    """The wards a leader follows: those on their profile, else the portal's home wards, else every ward."""
    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    profile = getattr(user, "profile", None)
    own = list(profile.wards.values_list("id", flat=True)) if profile else []
    if own:
        return list(wards.filter(pk__in=own))
    if settings.PORTAL_HOME_WARDS:
        home = list(wards.filter(code__in=settings.PORTAL_HOME_WARDS))
        if home:
            return home
    return list(wards)


def rows(wards: list[AdminUnit], hide_small: bool = False) -> tuple[list[registry.Figure], list[WardRow]]:
    """The registered columns, and one row of cells per ward."""
    columns = registry.columns()
    values = registry.per_ward([w.pk for w in wards], hide_small)
    out = [
        WardRow(
            ward=w,
            cells=[Cell(c.key, c.link.format(ward=w.pk), values[w.pk][c.key]) for c in columns],
        )
        for w in wards
    ]
    return columns, out


# --- the leaders' dashboard (frontend/dashboard.py serves it) ---


def total(values: list[registry.Value]) -> registry.Value:
    """A district's figure: the sum of its wards' (unknown when a ward's is). Withheld when a ward's is: the
    total minus the shown wards would give a withheld count back."""
    if any(v.hidden for v in values):
        return registry.Value(None, hidden=True)
    if any(v.count is None for v in values):
        return registry.Value(None)
    of = None if any(v.of is None for v in values) else sum(v.of or 0 for v in values)
    return registry.Value(sum(v.count or 0 for v in values), of)


def figures(wards: list[AdminUnit], hide_small: bool = False) -> dict:
    """Every registered figure of each ward and of the district (all the wards shown): the dashboard's one source,
    for its table, map, chart and exports alike."""
    columns = registry.columns()
    values = registry.per_ward([w.pk for w in wards], hide_small)
    as_json = lambda v: {"count": v.count, "of": v.of, "hidden": v.hidden}  # noqa: E731
    own_totals = registry.protected_totals([w.pk for w in wards]) if hide_small else {}

    def district(key: str) -> registry.Value:
        return own_totals.get(key) or total([values[w.pk][key] for w in wards])

    return {
        "columns": [{"key": c.key, "label": str(c.label)} for c in columns],
        "wards": [
            {
                "id": w.pk,
                "code": w.code,
                "name": w.name,
                "values": {c.key: as_json(values[w.pk][c.key]) for c in columns},
                "links": {c.key: c.link.format(ward=w.pk) for c in columns},
            }
            for w in wards
        ],
        "district": {c.key: as_json(district(c.key)) for c in columns},
        # The choropleth's classes per figure, by either method (frontend/breaks.py), on the counts shown.
        "breaks": {c.key: breaks_for(values[w.pk][c.key].count for w in wards) for c in columns},
    }


def values_from(data: dict) -> dict[int, dict[str, registry.Value]]:
    """The figures of `figures()`'s JSON back as values, per ward."""
    return {
        w["id"]: {k: registry.Value(v["count"], v["of"], v["hidden"]) for k, v in w["values"].items()}
        for w in data["wards"]
    }


def outlines(wards: list[AdminUnit]) -> dict:
    """The wards' outlines for the choropleth, simplified to ~10 m (one query; 6 decimals are 0.1 m)."""
    from django.db import connection

    features = []
    if wards:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, ST_AsGeoJSON(ST_SimplifyPreserveTopology(boundary, 0.0001), 6)::json"
                f" FROM {AdminUnit._meta.db_table} WHERE id = ANY(%s) ORDER BY id",
                [[w.pk for w in wards]],
            )
            for pk, geometry in cur.fetchall():
                geometry = json.loads(geometry) if isinstance(geometry, str) else geometry
                features.append({"type": "Feature", "id": pk, "properties": {"id": pk}, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def table_rows(data: dict, sort: str, descending: bool, levels: dict | None = None) -> tuple[list[str], list[list]]:
    """The dashboard's table as shown (sorted by a column, the district's total last), for the exports; one
    column more per level scheme: each ward's level, as the page shows it."""
    keys = [c["key"] for c in data["columns"]]
    if sort in keys:
        order = sorted(
            data["wards"],
            key=lambda w: (w["values"][sort]["count"] is None, w["values"][sort]["count"] or 0, w["name"]),
            reverse=descending,
        )
    else:
        order = sorted(data["wards"], key=lambda w: w["name"], reverse=descending and sort == "name")
    schemes = (levels or {}).get("schemes", [])
    english = (get_language() or "vi").startswith("en")
    head = [
        str(_("Ward")),
        *(c["label"] for c in data["columns"]),
        *(f"{_('Level')}: {s['name']}" for s in schemes),
    ]

    def cell(v: dict):
        return None if v["count"] is None else v["count"]

    def level(scheme: dict, ward: int) -> str:
        key = scheme["wards"].get(ward, {}).get("level", "")
        found = next((lv for lv in scheme["levels"] if lv["key"] == key), None)
        return "" if found is None else found["label_en" if english else "label"]

    rows = [[w["name"], *(cell(w["values"][k]) for k in keys), *(level(s, w["id"]) for s in schemes)] for w in order]
    rows.append([str(_("All the wards shown")), *(cell(data["district"][k]) for k in keys), *("" for _s in schemes)])
    return head, rows
