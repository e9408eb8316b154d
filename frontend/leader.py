"""A district leader's home: each of their wards in figures, with links to the pages behind them.

Modest on purpose (the full operations centre is another issue). The figures come from the registry that apps
fill (`gisportal/figures.py`: businesses by status, house numbers with problems, waste points overflowing or
damaged), so this page knows no app's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

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


def rows(wards: list[AdminUnit]) -> tuple[list[registry.Figure], list[WardRow]]:
    """The registered columns, and one row of cells per ward."""
    columns = registry.columns()
    values = registry.per_ward([w.pk for w in wards])
    out = [
        WardRow(
            ward=w,
            cells=[Cell(c.key, c.link.format(ward=w.pk), values[w.pk][c.key]) for c in columns],
        )
        for w in wards
    ]
    return columns, out
