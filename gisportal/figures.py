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


@dataclass(frozen=True)
class Value:
    """A figure's value: `count` of `of` (e.g. problems among house numbers); `count` None when too costly for
    this many wards (the page links to the report instead)."""

    count: int | None
    of: int | None = None


# wards' ids → {ward id: {figure key: Value}}
Counter = Callable[[list[int]], dict[int, dict[str, Value]]]


@dataclass(frozen=True)
class WardFigures:
    order: int
    figures: Sequence[Figure]
    count: Counter


_REGISTERED: list[WardFigures] = []


def register(entry: WardFigures) -> None:
    if entry not in _REGISTERED:
        _REGISTERED.append(entry)
        _REGISTERED.sort(key=lambda e: e.order)


def columns() -> list[Figure]:
    return [f for entry in _REGISTERED for f in entry.figures]


def per_ward(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    """Every registered figure of each ward; a figure an app did not count is 0."""
    out: dict[int, dict[str, Value]] = {w: {} for w in ward_ids}
    for entry in _REGISTERED:
        counted = entry.count(ward_ids)
        for ward in ward_ids:
            got = counted.get(ward, {})
            for figure in entry.figures:
                out[ward][figure.key] = got.get(figure.key, Value(0))
    return out
