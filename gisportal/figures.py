"""Figures per ward that apps offer to the leaders' pages, without those pages knowing any app.

An app registers a `WardFigures` in its `AppConfig.ready()`: the columns it offers (a key, a label to translate,
a link to the page behind it) and one function that counts them for a list of wards in SQL of its own. The
leader's home (`frontend/leader.py`) asks the registry, so the base and the pages import no app's models.

An app whose rows carry their khu phố says so (`khu_pho=True`): its counter then takes `by="khu_pho"` and counts
the khu phố of those wards in the same query, grouped by `khu_pho_id` instead of `ward_id` (`GROUP`), so a
leader's map of khu phố reads the same numbers as the map of wards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WARD = "ward"
KHU_PHO = "khu_pho"
# The column a figure's rows are grouped by, per area level (constants pasted into the apps' SQL, never input).
GROUP = {WARD: "ward_id", KHU_PHO: "khu_pho_id"}


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any  # a lazily translated string
    link: str  # the page behind the figure; "{ward}" is the ward's id
    sensitive: bool = False  # a count withheld when small (never a level's indicator, whose level would tell it)
    # Counted per khu phố too when its app's counter can (WardFigures.khu_pho); False: a ward's figure only
    # (a report over every number of a ward, rows that carry no khu phố).
    per_khu_pho: bool = True
    # A wide table's header: the column's short name under its group's (the full label is its tooltip).
    short: Any = None
    group: Any = None


@dataclass(frozen=True)
class Value:
    """A figure's value: `count` of `of` (e.g. problems among house numbers); `count` None when too costly for
    this many wards (the page links to the report instead)."""

    count: int | None
    of: int | None = None
    hidden: bool = False  # a small count withheld from this reader (count None)


def on_dashboard(key: str) -> str:
    """A figure's link when no page of its app breaks it down for a leader: the leaders' dashboard on that figure,
    for the ward, per khu phố (the link's "{ward}" is filled per row, as every figure's)."""
    return f"/leader/dashboard/?ward={{ward}}&figure={key}&area={KHU_PHO}"


# wards' ids → {ward id: {figure key: Value}}; with `by=KHU_PHO` (apps that count khu phố), {khu phố id: …} for
# the khu phố of those wards.
Counter = Callable[..., dict[int, dict[str, Value]]]
# The same, with small counts withheld for readers who must not single a family out (permissions.hides_small_counts)
Protected = Callable[..., dict[int, dict[str, Value]]]


@dataclass(frozen=True)
class WardFigures:
    order: int
    figures: Sequence[Figure]
    count: Counter
    protected: Protected | None = None
    # wards' ids → {figure key: their total}, for readers of small counts, where totals follow a rule of their own
    protected_totals: Callable[[list[int]], dict[str, Value]] | None = None
    khu_pho: bool = False  # `count` (and `protected`) take by=KHU_PHO


_REGISTERED: list[WardFigures] = []


def register(entry: WardFigures) -> None:
    if entry not in _REGISTERED:
        _REGISTERED.append(entry)
        _REGISTERED.sort(key=lambda e: e.order)


def _figures(entry: WardFigures, by: str) -> list[Figure]:
    if by not in GROUP:
        raise ValueError(f"unknown area level {by!r}")
    if by == WARD:
        return list(entry.figures)
    return [f for f in entry.figures if f.per_khu_pho] if entry.khu_pho else []


def columns(by: str = WARD) -> list[Figure]:
    """The figures counted per area of that level."""
    return [f for entry in _REGISTERED for f in _figures(entry, by)]


def figure(key: str) -> Figure | None:
    return next((f for f in columns() if f.key == key), None)


def _counted(entry: WardFigures, ward_ids: list[int], by: str, hide_small: bool) -> dict[int, dict[str, Value]]:
    counter = entry.protected if hide_small and entry.protected else entry.count
    return counter(ward_ids) if by == WARD else counter(ward_ids, by=by)


def values_of(
    keys: set[str], ward_ids: list[int], by: str = WARD, areas: list[int] | None = None
) -> dict[int, dict[str, Value]]:
    """Only the figures named (the apps that own none of them are not asked), true counts, per area of `by`
    (`areas`: the khu phố of these wards to answer for; the wards themselves for WARD)."""
    areas = ward_ids if areas is None else areas
    out: dict[int, dict[str, Value]] = {a: {} for a in areas}
    for entry in _REGISTERED:
        wanted = [f.key for f in _figures(entry, by) if f.key in keys]
        if wanted:
            counted = _counted(entry, ward_ids, by, False)
            for area in areas:
                for key in wanted:
                    out[area][key] = counted.get(area, {}).get(key, Value(0))
    return out


def per_area(
    ward_ids: list[int], areas: list[int], by: str = WARD, hide_small: bool = False
) -> dict[int, dict[str, Value]]:
    """Every figure of the level `by` for each of `areas` (wards, or the khu phố of `ward_ids`); a figure an app
    did not count is 0. `hide_small`: through the app's protected counter where it has one."""
    out: dict[int, dict[str, Value]] = {a: {} for a in areas}
    for entry in _REGISTERED:
        figures = _figures(entry, by)
        if not figures:
            continue
        counted = _counted(entry, ward_ids, by, hide_small)
        for area in areas:
            got = counted.get(area, {})
            for figure in figures:
                out[area][figure.key] = got.get(figure.key, Value(0))
    return out


def per_ward(ward_ids: list[int], hide_small: bool = False) -> dict[int, dict[str, Value]]:
    """Every registered figure of each ward (per_area over the wards)."""
    return per_area(ward_ids, ward_ids, WARD, hide_small)


def protected_totals(ward_ids: list[int]) -> dict[str, Value]:
    """The totals of these wards that follow a rule of their own for readers of small counts."""
    out: dict[str, Value] = {}
    for entry in _REGISTERED:
        if entry.protected_totals:
            out.update(entry.protected_totals(ward_ids))
    return out
