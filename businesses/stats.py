"""Counts of business households by industry, section, ward, khu phố, street block or status.

One GROUP BY over the same filtered, role-scoped rows the list shows (`api/filters.business_rows`),
so a count and the list it summarises never disagree. Counts are not private: anyone may ask,
and a citizen's counts cover the public rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, overload

from django.db.models import Count, QuerySet

from businesses.models import Business, Industry
from gisportal.errors import InvalidInput


@dataclass(frozen=True)
class Grouping:
    """How one `group_by` value reads from a row: the key column, and the label columns if joined."""

    key: str
    label: str | None = None
    label_en: str | None = None
    extra: str | None = None  # industries: the VSIC version, since versions reuse codes


GROUPS: dict[str, Grouping] = {
    "industry": Grouping("industry__code", "industry__name", "industry__name_en", "industry__version"),
    "section": Grouping("section"),
    "ward": Grouping("ward_id", "ward__name"),
    "khu_pho": Grouping("khu_pho_id", "khu_pho__name"),
    "street_block": Grouping("street_block"),
    "status": Grouping("status"),
}

# Rows whose grouping column is empty still count; they are named, not dropped.
_NONE_LABELS = {
    "khu_pho": ("Chưa gán khu phố", "No khu phố"),
    "street_block": ("Chưa có ô phố", "No street block"),
}

_SECOND = {"key": "key2", "label": "label2", "label_en": "label2_en", "vsic": "vsic2"}


@overload
def parse_group(params: Any, name: str, required: Literal[True]) -> str: ...
@overload
def parse_group(params: Any, name: str, required: bool) -> str | None: ...
def parse_group(params: Any, name: str, required: bool) -> str | None:
    raw = params.get(name)
    if not raw:
        if required:
            raise InvalidInput(
                f"Thiếu tham số {name} ({', '.join(GROUPS)}).",
                f"Missing parameter {name} ({', '.join(GROUPS)}).",
                {"param": name},
                code="missing_parameter",
            )
        return None
    if raw not in GROUPS:
        raise InvalidInput(
            f"Tham số {name} không hợp lệ ('{raw}'): chọn một trong {', '.join(GROUPS)}.",
            f"Invalid parameter {name} ({raw!r}): choose one of {', '.join(GROUPS)}.",
            {"param": name, "value": raw},
            code="invalid_filter",
        )
    return raw


def _status_labels() -> dict[str, tuple[str, ...]]:
    # Choice labels are written "Tiếng Việt / English".
    return {value: tuple(label.split(" / ", 1)) for value, label in Business.Status.choices}


def _section_labels(version: str) -> dict[str, tuple[str, str]]:
    rows = Industry.objects.filter(version=version, level=1).values_list("code", "name", "name_en")
    return {code: (name, name_en) for code, name, name_en in rows}


def _labeller(group: str, version: str):
    """row → (key, label, label_en[, extra]) for one grouping."""
    spec = GROUPS[group]
    fixed = _status_labels() if group == "status" else _section_labels(version) if group == "section" else {}
    none_vi, none_en = _NONE_LABELS.get(group, ("", ""))

    def read(row: dict) -> dict:
        key = row[spec.key]
        if key in (None, ""):
            label, label_en = none_vi, none_en
        elif spec.label:
            label, label_en = row[spec.label], row[spec.label_en] if spec.label_en else ""
        else:
            label, label_en = fixed.get(key, (str(key), ""))
        out = {"key": key, "label": label, "label_en": label_en or label}
        if spec.extra:
            out["vsic"] = row[spec.extra]
        return out

    return read


def count_by(rows: QuerySet, group_by: str, group_by2: str | None = None, version: str = "VSIC2018") -> dict:
    """{group_by, group_by2, total, rows: [{key, label, label_en, count} (+ key2, label2, label2_en)]}, largest first.

    `rows` is the filtered, scoped queryset of businesses; the counting is one GROUP BY.
    """
    columns: list[str] = []
    for group in filter(None, (group_by, group_by2)):
        spec = GROUPS[group]
        columns += [c for c in (spec.key, spec.label, spec.label_en, spec.extra) if c and c not in columns]
    grouped = rows.order_by().values(*columns).annotate(count=Count("id")).order_by("-count", *columns)
    first = _labeller(group_by, version)
    second = _labeller(group_by2, version) if group_by2 else None
    out = []
    for row in grouped:
        item = first(row)
        if second:
            item |= {_SECOND[k]: v for k, v in second(row).items()}
        item["count"] = row["count"]
        out.append(item)
    return {
        "group_by": group_by,
        "group_by2": group_by2,
        "total": sum(r["count"] for r in out),
        "rows": out,
    }
