"""Small-count suppression that holds across every table a leader can ask for.

A leader reads sensitive household counts (poor, near-poor, moves …) as several tables: per khu phố, per ward,
one ward alone, and per ward on the dashboard. Each is a view of one hierarchy — khu phố cells summing to ward
cells summing to the total of every ward — so the hidden cells are chosen once, on that whole hierarchy, and every
table shows the same pattern. A cell from 1 to k-1 is hidden; then, until nothing changes, every sum a leader can
read (a ward = its khu phố, the total = its wards) must hide none or at least two of its terms, or a subtraction
would give the hidden one back. The extra cell hidden is the smallest shown non-zero term (a zero would tell that
the other hidden term is the whole difference), else a zero, else the sum itself.

A table's own total is shown only when it is one of the hierarchy's sums (a ward alone, every ward) and that sum is
shown, or when nothing in the table is hidden: any other subset total would be a new equation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Cell = tuple[Any, Any]  # (ward id, khu phố id or None)


@dataclass
class Pattern:
    """The hidden cells of one column: khu phố cells, ward cells, and the total of every ward."""

    khu_pho: set[Cell] = field(default_factory=set)
    wards: set[Any] = field(default_factory=set)
    total: bool = False
    all_wards: set[Any] = field(default_factory=set)


def _pick(candidates: list[tuple[Any, int]]) -> Any:
    """The complementary cell: the smallest non-zero, else a zero."""
    return min(candidates, key=lambda c: (c[1] == 0, c[1], str(c[0])))[0]


def pattern(cells: dict[Cell, int], k: int) -> Pattern:
    """The cells to hide of one column given as {(ward, khu phố): count} over every ward."""
    wards: dict[Any, dict[Any, int]] = {}
    for (ward, kp), n in cells.items():
        wards.setdefault(ward, {})[kp] = n
    ward_sum = {w: sum(kps.values()) for w, kps in wards.items()}
    total = sum(ward_sum.values())
    small = lambda n: 0 < n < k  # noqa: E731
    p = Pattern(
        khu_pho={c for c, n in cells.items() if small(n)},
        wards={w for w, n in ward_sum.items() if small(n)},
        total=small(total),
        all_wards=set(wards),
    )
    changed = True
    while changed:
        changed = False
        for ward, kps in wards.items():
            unknown = sum((ward, kp) in p.khu_pho for kp in kps) + (ward in p.wards)
            if unknown != 1:
                continue
            shown = [(kp, n) for kp, n in kps.items() if (ward, kp) not in p.khu_pho]
            if shown:
                p.khu_pho.add((ward, _pick(shown)))
            else:
                p.wards.add(ward)
            changed = True
        unknown = len(p.wards) + p.total
        if unknown == 1:
            shown_wards = [(w, n) for w, n in ward_sum.items() if w not in p.wards]
            if shown_wards:
                p.wards.add(_pick(shown_wards))
            else:
                p.total = True
            changed = True
    return p


def table_total_hidden(p: Pattern, wards_in_view: set[Any], cells_hidden: bool, by_khu_pho: bool) -> bool:
    """Whether a table's own total must be hidden (see the module's note)."""
    if p.all_wards and p.all_wards <= wards_in_view:  # every ward with households: the hierarchy's total
        return p.total
    if by_khu_pho and len(wards_in_view) == 1:
        return next(iter(wards_in_view)) in p.wards
    return cells_hidden


def apply(
    rows: list[dict], totals: dict, universe: Iterable[dict], columns: Iterable[str], k: int
) -> dict[str, Pattern]:
    """Hide (None) in `rows` (khu phố or ward rows, any subset of wards) and in `totals` what the hierarchy of
    `universe` (khu phố rows of every ward) hides; returns each column's pattern."""
    universe = list(universe)
    by_khu_pho = bool(rows) and "khu_pho_id" in rows[0]
    in_view = {r["ward_id"] for r in rows}
    patterns = {}
    for column in columns:
        p = pattern({(r["ward_id"], r["khu_pho_id"]): r[column] for r in universe}, k)
        patterns[column] = p
        hidden_any = False
        for row in rows:
            hidden = (row["ward_id"], row["khu_pho_id"]) in p.khu_pho if by_khu_pho else row["ward_id"] in p.wards
            if hidden:
                row[column] = None
                hidden_any = True
        if column in totals and table_total_hidden(p, in_view, hidden_any, by_khu_pho):
            totals[column] = None
    return patterns
