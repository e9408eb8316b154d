"""A district leader's home: each of their wards in figures, with links to the pages behind them.

Modest on purpose (the full operations centre is another issue). The figures come from the registry that apps
fill (`gisportal/figures.py`: businesses by status, house numbers with problems, waste points overflowing or
damaged), so this page knows no app's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models import Extent
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


@dataclass
class Group:
    label: Any
    span: int
    first: str  # the key of its first column, where the table draws a rule between groups


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


def groups(columns: list[registry.Figure]) -> list[Group]:
    """The header's top row: each run of consecutive columns of one group under its name (a column of no group is
    a group of its own, named by its label)."""
    out: list[Group] = []
    for c in columns:
        label = c.group if c.group is not None else c.label
        if out and c.group is not None and str(out[-1].label) == str(label):
            out[-1].span += 1
        else:
            out.append(Group(label, 1, c.key))
    return out


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


def khu_pho_of(wards: list[AdminUnit]) -> list[AdminUnit]:
    """The khu phố in force today of these wards, by ward then name (the areas of the khu phố map)."""
    order = {w.pk: i for i, w in enumerate(wards)}
    found = AdminUnit.objects.valid_on().filter(level=AdminUnit.Level.KHU_PHO, parent__in=list(order))
    return sorted(found, key=lambda kp: (order[kp.parent_id], kp.name, kp.pk))


def areas_of(wards: list[AdminUnit], by: str) -> list[AdminUnit]:
    """The areas a map of level `by` shows for these wards: the wards, or their khu phố."""
    return list(wards) if by == registry.WARD else khu_pho_of(wards)


def figures(wards: list[AdminUnit], hide_small: bool = False, by: str = registry.WARD) -> dict:
    """Every registered figure of each area (the wards, or their khu phố: `by`) and of the district (all the wards
    shown): the dashboard's one source, for its table, map, chart and exports alike."""
    columns = registry.columns(by)
    ward_ids = [w.pk for w in wards]
    areas = areas_of(wards, by)
    values = registry.per_area(ward_ids, [a.pk for a in areas], by, hide_small)
    # The district's figures are the wards' in either view: a sum of khu phố would leave out the rows placed in
    # no khu phố, and a total of the hierarchy is what the suppression pattern protects.
    ward_values = values if by == registry.WARD else registry.per_ward(ward_ids, hide_small)
    as_json = lambda v: {"count": v.count, "of": v.of, "hidden": v.hidden}  # noqa: E731
    own_totals = registry.protected_totals(ward_ids) if hide_small else {}
    ward_names = {w.pk: w.name for w in wards}

    def district(key: str) -> registry.Value:
        return own_totals.get(key) or total([ward_values[w.pk][key] for w in wards])

    def ward_of(area: AdminUnit) -> int:
        return area.pk if by == registry.WARD else area.parent_id  # type: ignore[return-value]  # a khu phố's ward

    return {
        "area_level": by,
        # The table's header as the leader's home draws it: short names (the full label their tooltip) under
        # their groups' names.
        "columns": [{"key": c.key, "label": str(c.label), "short": str(c.short or "") or None} for c in columns],
        "groups": [{"label": str(g.label), "span": g.span, "first": g.first} for g in groups(columns)],
        # The rows of the map and the table: wards, or khu phố (each with its ward).
        "wards": [
            {
                "id": a.pk,
                "code": a.code,
                "name": a.name,
                "ward": ward_of(a),
                "ward_name": ward_names.get(ward_of(a), ""),
                "values": {c.key: as_json(values[a.pk][c.key]) for c in columns},
                "links": {c.key: c.link.format(ward=ward_of(a)) for c in columns},
            }
            for a in areas
        ],
        "district": {c.key: as_json(district(c.key)) for c in columns},
        # The choropleth's classes per figure, by either method (frontend/breaks.py), on the counts shown.
        "breaks": {c.key: breaks_for(values[a.pk][c.key].count for a in areas) for c in columns},
    }


def values_from(data: dict) -> dict[int, dict[str, registry.Value]]:
    """The figures of `figures()`'s JSON back as values, per area."""
    return {
        w["id"]: {k: registry.Value(v["count"], v["of"], v["hidden"]) for k, v in w["values"].items()}
        for w in data["wards"]
    }


def bounds(areas: list[AdminUnit]) -> list[float] | None:
    """[west, south, east, north] of these areas, where the choropleth opens (its shapes come from the tiles)."""
    if not areas:
        return None
    box = AdminUnit.objects.filter(pk__in=[a.pk for a in areas]).aggregate(box=Extent("boundary"))["box"]
    return list(box) if box else None


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
    khu_pho = data.get("area_level") == registry.KHU_PHO
    head = [
        *([str(_("Ward")), str(_("Khu phố"))] if khu_pho else [str(_("Ward"))]),
        *(c["label"] for c in data["columns"]),
        *(f"{_('Level')}: {s['name']}" for s in schemes),
    ]

    def cell(v: dict):
        return None if v["count"] is None else v["count"]

    def level(scheme: dict, ward: int) -> str:
        key = scheme["wards"].get(ward, {}).get("level", "")
        found = next((lv for lv in scheme["levels"] if lv["key"] == key), None)
        return "" if found is None else found["label_en" if english else "label"]

    def names(w: dict) -> list[str]:
        return [w["ward_name"], w["name"]] if khu_pho else [w["name"]]

    rows = [[*names(w), *(cell(w["values"][k]) for k in keys), *(level(s, w["id"]) for s in schemes)] for w in order]
    first = [str(_("All the wards shown")), *([""] if khu_pho else [])]
    rows.append([*first, *(cell(data["district"][k]) for k in keys), *("" for _s in schemes)])
    return head, rows
