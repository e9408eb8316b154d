"""The choropleth's class breaks: quantiles and natural breaks (Fisher–Jenks) against groupings worked out here."""

from __future__ import annotations

import itertools
import random

from frontend.breaks import jenks_breaks, quantile_breaks


def sse(groups: list[list[float]]) -> float:
    return sum(sum((v - sum(g) / len(g)) ** 2 for v in g) for g in groups)


def brute_force(values: list[float], k: int) -> float:
    """The least total squared deviation over every way to cut the sorted values into k runs."""
    data = sorted(values)
    best = float("inf")
    for cuts in itertools.combinations(range(1, len(data)), k - 1):
        edges = [0, *cuts, len(data)]
        best = min(best, sse([data[a:b] for a, b in itertools.pairwise(edges)]))
    return best


def groups_of(values: list[float], breaks: list[float]) -> list[list[float]]:
    out: list[list[float]] = [[] for _ in breaks]
    for v in sorted(values):
        out[next(i for i, b in enumerate(breaks) if v <= b)].append(v)
    return out


def test_natural_breaks_find_the_obvious_clusters():
    values = [1, 2, 2, 3, 10, 11, 12, 30, 31, 60]
    assert jenks_breaks(values, 4) == [3, 12, 31, 60]
    assert jenks_breaks(values, 2) == [12, 60]


def test_natural_breaks_are_the_least_squared_deviation_of_any_cut():
    rng = random.Random(5)
    for _ in range(30):
        values = [rng.choice([0, 1, 2, 5, 8, 13, 40, 41, 90]) + rng.random() for _ in range(rng.randint(5, 11))]
        for k in (2, 3, 4):
            breaks = jenks_breaks(values, k)
            assert len(breaks) == k and breaks == sorted(breaks) and breaks[-1] == max(values)
            assert abs(sse(groups_of(values, breaks)) - brute_force(values, k)) < 1e-6


def test_quantiles_and_the_degenerate_cases():
    assert quantile_breaks(range(1, 11), 5) == [2, 4, 6, 8, 10]
    assert quantile_breaks([0, 0, 0, 5], 5) == [0, 5]
    assert quantile_breaks([None, 3, None], 5) == [3]
    assert jenks_breaks([]) == [] and quantile_breaks([]) == []
    assert jenks_breaks([4, 4, 4]) == [4]
    assert jenks_breaks([1, 1, 9, 9], 5) == [1, 9]  # fewer classes than asked: as many as distinct values
