"""What an admin-unit import decided, unit by unit: the report printed by `import_admin_units` and the refusal
that carries it (layers/units/admin_import.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gisportal.errors import InvalidInput


@dataclass
class Refusal:
    unit: str
    reason: str
    reason_en: str


@dataclass
class Repair:
    unit: str
    area_before_m2: float
    area_after_m2: float

    @property
    def change_pct(self) -> float | None:
        if self.area_before_m2 <= 0:
            return None
        return (self.area_after_m2 - self.area_before_m2) / self.area_before_m2 * 100


@dataclass
class Overlap:
    a: str
    b: str
    share: float  # of the smaller unit's area


@dataclass
class Fix:
    unit: str
    before: str
    after: str


@dataclass
class ImportReport:
    file: str
    level: str
    features: int = 0
    name_field: str = ""
    code_field: str | None = None
    notes: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    allow_overlaps: bool = False
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.refusals) or (bool(self.overlaps) and not self.allow_overlaps)

    def lines(self) -> list[str]:
        out = [
            f"Tệp / File: {self.file} (cấp / level: {self.level}, {self.features} đối tượng / features)",
            f"Trường tên / name field: {self.name_field}; trường mã / code field: {self.code_field or '—'}",
            *[f"  {n}" for n in self.notes],
        ]
        for f in self.fixes:
            out.append(f"Sửa ký tự / look-alike fixed: {f.unit}: {f.before!r} → {f.after!r}")
        for r in self.repairs:
            pct = "n/a" if r.change_pct is None else f"{r.change_pct:+.3f}%"
            out.append(
                f"Sửa hình học / repaired: {r.unit}: {r.area_before_m2:,.0f} m² → {r.area_after_m2:,.0f} m² ({pct})"
            )
        for o in self.overlaps:
            out.append(f"Chồng lấn / overlap: {o.a} × {o.b}: {o.share * 100:.1f}% of the smaller unit")
        for refusal in self.refusals:
            out.append(f"Từ chối / refused: {refusal.unit}: {refusal.reason} / {refusal.reason_en}")
        out.append(
            f"Thêm mới / imported: {len(self.created)}; cập nhật / updated: {len(self.updated)}; "
            f"không đổi / unchanged: {len(self.unchanged)}; sửa / repaired: {len(self.repairs)}; "
            f"từ chối / refused: {len(self.refusals)}; chồng lấn / overlaps: {len(self.overlaps)}; "
            f"sửa ký tự / look-alike fixes: {len(self.fixes)}"
        )
        if self.refused:
            out.append("KẾT QUẢ: từ chối, không ghi gì. / RESULT: refused, nothing written.")
        elif self.dry_run:
            out.append("KẾT QUẢ: chạy thử, không ghi gì. / RESULT: dry run, rolled back.")
        else:
            out.append("KẾT QUẢ: đã ghi. / RESULT: written.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "level": self.level,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "repairs": [vars(r) for r in self.repairs],
            "refusals": [vars(r) for r in self.refusals],
            "overlaps": [vars(o) for o in self.overlaps],
            "fixes": [vars(f) for f in self.fixes],
        }


class ImportRefused(InvalidInput):
    """The import was refused as a whole; `report` says why, unit by unit."""

    code = "admin_import_refused"

    def __init__(self, report: ImportReport):
        self.report = report
        n = len(report.refusals)
        super().__init__(
            f"Không nhập tệp {report.file}: {n} đơn vị bị từ chối, {len(report.overlaps)} chỗ chồng lấn.",
            f"The import of {report.file} was refused: {n} units refused, {len(report.overlaps)} overlaps.",
            report.as_dict(),
        )
