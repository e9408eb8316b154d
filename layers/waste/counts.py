"""Waste points: counts per khu phố and kind, with the fee status of waste source owners.

Counts are not private (the rows behind them are): anyone may ask, and the answer is the same for
everyone. Soft-deleted points are not counted; points outside any khu phố are counted under None.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Count, Q

from layers import labels
from layers.models import WastePoint

FEES = [value for value, _ in WastePoint.FeeStatus.choices]
KINDS = [value for value, _ in WastePoint.Kind.choices]


def stats(ward_id: int | None = None) -> dict[str, Any]:
    """Rows of (khu phố, kind, count, fee status counts), totals per kind and per khu phố."""
    qs = WastePoint.objects.filter(is_deleted=False)
    if ward_id is not None:
        qs = qs.filter(ward_id=ward_id)
    fee_counts = {fee: Count("id", filter=Q(fee_status=fee)) for fee in FEES}
    grouped = (
        qs.values("khu_pho_id", "khu_pho__name", "kind")
        .annotate(count=Count("id"), **fee_counts)
        .order_by("khu_pho__name", "khu_pho_id", "kind")
    )
    rows, by_kind = [], dict.fromkeys(KINDS, 0)
    by_khu_pho: dict[Any, dict[str, Any]] = {}
    # Rows of `values()` with the fee counts, whose names the stubs' TypedDict of the row lacks.
    for g in cast("list[dict[str, Any]]", grouped):
        row = {
            "khu_pho_id": g["khu_pho_id"],
            "khu_pho": g["khu_pho__name"],
            "kind": g["kind"],
            "count": g["count"],
        }
        if g["kind"] == WastePoint.Kind.SOURCE:
            row["fee_status"] = {fee: g[fee] for fee in FEES}
        rows.append(row)
        by_kind[g["kind"]] += g["count"]
        key = g["khu_pho_id"]
        entry = by_khu_pho.setdefault(key, {"khu_pho_id": key, "khu_pho": g["khu_pho__name"], "total": 0})
        entry["total"] += g["count"]
        entry[g["kind"]] = g["count"]
    return {
        "kinds": [{"kind": value, "label": labels.pick(label)} for value, label in WastePoint.Kind.choices],
        "rows": rows,
        "by_kind": by_kind,
        "by_khu_pho": list(by_khu_pho.values()),
        "total": sum(by_kind.values()),
    }
