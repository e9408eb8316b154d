"""Class breaks for the dashboard's choropleth: quantiles, or natural breaks (Fisher–Jenks, exact).

Each method returns the upper bound of each class, ascending and distinct (fewer classes when the values have
fewer distinct levels); a value v is in the first class whose bound is >= v.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

CLASSES = 5


def _values(values: Iterable[float | int | None]) -> list[float]:
    return sorted(float(v) for v in values if v is not None and math.isfinite(v))


def quantile_breaks(values: Iterable[float | int | None], classes: int = CLASSES) -> list[float]:
    """Class i ends at the value ranked ceil(i·n/classes): about as many areas in each class."""
    data = _values(values)
    breaks: list[float] = []
    for i in range(1, classes + 1):
        at = data[min(len(data) - 1, math.ceil(i * len(data) / classes) - 1)] if data else None
        if at is not None and (not breaks or at > breaks[-1]):
            breaks.append(at)
    return breaks


def jenks_breaks(values: Iterable[float | int | None], classes: int = CLASSES) -> list[float]:
    """Natural breaks: the grouping of the sorted values into `classes` runs with the least total squared
    deviation from each run's mean (Fisher's exact dynamic programme, O(classes·n²))."""
    data = _values(values)
    distinct = sorted(set(data))
    k = min(classes, len(distinct))
    if k <= 1:
        return distinct[-1:]
    n = len(data)
    prefix, prefix_sq = [0.0], [0.0]
    for v in data:
        prefix.append(prefix[-1] + v)
        prefix_sq.append(prefix_sq[-1] + v * v)

    def cost(i: int, j: int) -> float:  # data[i:j]
        s, count = prefix[j] - prefix[i], j - i
        return prefix_sq[j] - prefix_sq[i] - s * s / count

    inf = float("inf")
    # best[c][j]: least cost of the first j values in c classes; cut[c][j]: where the last class starts.
    best = [[inf] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            for i in range(c - 1, j):
                if best[c - 1][i] < inf:
                    total = best[c - 1][i] + cost(i, j)
                    if total < best[c][j] - 1e-12:
                        best[c][j], cut[c][j] = total, i
    bounds, j = [], n
    for c in range(k, 0, -1):
        bounds.append(data[j - 1])
        j = cut[c][j]
    out: list[float] = []
    for b in reversed(bounds):
        if not out or b > out[-1]:
            out.append(b)
    return out


def breaks_for(values: Iterable[float | int | None]) -> dict[str, list[float]]:
    values = list(values)
    return {"quantile": quantile_breaks(values), "jenks": jenks_breaks(values)}
