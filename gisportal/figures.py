"""Figures per ward that apps offer to the leaders' pages, without those pages knowing any app.

An app registers a `WardFigures` in its `AppConfig.ready()`: the columns it offers (a key, a label to translate,
a link to the page behind it) and one function that counts them for a list of wards in SQL of its own. The
leader's home (`frontend/leader.py`) asks the registry, so the base and the pages import no app's models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any  # a lazily translated string
    link: str  # the page behind the figure; "{ward}" is the ward's id
    sensitive: bool = False  # a count withheld when small (never a level's indicator, whose level would tell it)


@dataclass(frozen=True)
class Value:
    """A figure's value: `count` of `of` (e.g. problems among house numbers); `count` None when too costly for
    this many wards (the page links to the report instead)."""

    count: int | None
    of: int | None = None
    hidden: bool = False  # a small count withheld from this reader (count None)


# wards' ids → {ward id: {figure key: Value}}
Counter = Callable[[list[int]], dict[int, dict[str, Value]]]
# The same, with small counts withheld for readers who must not single a family out (permissions.hides_small_counts)
Protected = Callable[[list[int]], dict[int, dict[str, Value]]]


@dataclass(frozen=True)
class WardFigures:
    order: int
    figures: Sequence[Figure]
    count: Counter
    protected: Protected | None = None
    # wards' ids → {figure key: their total}, for readers of small counts, where totals follow a rule of their own
    protected_totals: Callable[[list[int]], dict[str, Value]] | None = None


_REGISTERED: list[WardFigures] = []


def register(entry: WardFigures) -> None:
    if entry not in _REGISTERED:
        _REGISTERED.append(entry)
        _REGISTERED.sort(key=lambda e: e.order)


def columns() -> list[Figure]:
    return [f for entry in _REGISTERED for f in entry.figures]


def figure(key: str) -> Figure | None:
    return next((f for f in columns() if f.key == key), None)


def values_of(keys: set[str], ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    """Only the figures named (the apps that own none of them are not asked), true counts."""
    out: dict[int, dict[str, Value]] = {w: {} for w in ward_ids}
    for entry in _REGISTERED:
        wanted = [f.key for f in entry.figures if f.key in keys]
        if wanted:
            counted = entry.count(ward_ids)
            for ward in ward_ids:
                for key in wanted:
                    out[ward][key] = counted.get(ward, {}).get(key, Value(0))
    return out


def per_ward(ward_ids: list[int], hide_small: bool = False) -> dict[int, dict[str, Value]]:
    """Every registered figure of each ward; a figure an app did not count is 0. `hide_small`: through the
    app's protected counter where it has one."""
    out: dict[int, dict[str, Value]] = {w: {} for w in ward_ids}
    for entry in _REGISTERED:
        counter = entry.protected if hide_small and entry.protected else entry.count
        counted = counter(ward_ids)
        for ward in ward_ids:
            got = counted.get(ward, {})
            for figure in entry.figures:
                out[ward][figure.key] = got.get(figure.key, Value(0))
    return out


def protected_totals(ward_ids: list[int]) -> dict[str, Value]:
    """The totals of these wards that follow a rule of their own for readers of small counts."""
    out: dict[str, Value] = {}
    for entry in _REGISTERED:
        if entry.protected_totals:
            out.update(entry.protected_totals(ward_ids))
    return out
