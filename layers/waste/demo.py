"""Demo waste points for the demo ward: bins, public toilets, a transfer station, dumping hot spots and
waste source owners (households, and what other apps list as owners: the registry's businesses) per khu phố.

The shared layer machinery knows no theme: an app whose rows pay a waste fee lists them in its own
`<app>/waste_sources.py` as `source_owners(khu_pho) -> list[SourceOwner]` (businesses does); this step asks
every installed app for that module, in INSTALLED_APPS order.

Step `layers.waste.demo.seed_waste_points` of gisportal.demo.STEPS (after the businesses); it skips
itself when the ward already has waste points.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from gisportal.demo import DemoContext
from layers.demo import WARD_NAME, metric, random_point_in, to_deg
from layers.models import AdminUnit, WastePoint

OPERATOR = "Công ty TNHH MTV Dịch vụ Công ích phường"
SCHEDULES = ["Hằng ngày 17:00–19:00", "Hằng ngày 05:00–07:00", "Thứ 2, 4, 6 18:00–20:00"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh"]
GIVEN = ["Văn An", "Thị Bích", "Minh Châu", "Quốc Dũng", "Thị Hạnh", "Văn Khoa", "Thị Loan", "Thanh Sơn"]
FEES = [("paid", 0.72), ("due", 0.14), ("overdue", 0.1), ("exempt", 0.04)]
PER_KHU_PHO = {"bin": 12, "toilet": 1, "dump_hotspot": 3, "source_owner": 25}


@dataclass(frozen=True)
class SourceOwner:
    """A row of another app that pays a waste fee, as the demo writes it among the khu phố's source owners."""

    source_kind: str  # WastePoint.source_kind
    name: str
    address: str
    contact_name: str
    contact_phone: str
    geom: Any  # a point in WGS 84
    monthly_fees: Sequence[int]  # the fees drawn from


def _owner_sources() -> list[Callable[[AdminUnit], list[SourceOwner]]]:
    found = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "waste_sources"):
            found.append(importlib.import_module(f"{app.name}.waste_sources").source_owners)
    return found


def _weighted(rng, options):
    roll, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if roll < acc:
            return value
    return options[-1][0]


def build_waste_points(ctx: DemoContext, ward: AdminUnit) -> list[WastePoint]:
    """Pure but for reading the ward's khu phố and other apps' source owners: the rows to insert."""
    sources = _owner_sources()
    rng = ctx.rng("waste_points")
    today = dt.date(2025, 11, 1)
    rows: list[WastePoint] = []
    khu_phos = list(AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code"))

    def point(kp) -> Any:  # EWKT text: a geometry field reads it, though the stubs accept only geometries
        return f"SRID=4326;{to_deg(random_point_in(metric(kp.boundary), rng)).wkt}"

    def common(kind: str, kp) -> dict:
        return {
            "kind": kind,
            "ward": ward,
            "khu_pho": kp,
            "operator": OPERATOR,
            "condition": _weighted(rng, [("good", 0.6), ("worn", 0.25), ("damaged", 0.1), ("overflowing", 0.05)]),
            "last_inspected": today - dt.timedelta(days=rng.randrange(120)),
        }

    for n, kp in enumerate(khu_phos, start=1):
        for i in range(PER_KHU_PHO["bin"]):
            rows.append(
                WastePoint(
                    **common("bin", kp),
                    name=f"Thùng rác công cộng {kp.name} số {i + 1}",
                    capacity=rng.choice([120, 240, 660]),
                    collection_schedule=rng.choice(SCHEDULES),
                    geom=point(kp),
                )
            )
        rows.append(
            WastePoint(
                **common("toilet", kp),
                name=f"Nhà vệ sinh công cộng {kp.name}",
                capacity=rng.choice([2, 4]),
                geom=point(kp),
            )
        )
        for i in range(PER_KHU_PHO["dump_hotspot"]):
            rows.append(
                WastePoint(
                    **common("dump_hotspot", kp) | {"condition": "overflowing"},
                    name=f"Điểm đổ rác tự phát {kp.name} {i + 1}",
                    geom=point(kp),
                )
            )
        for _ in range(PER_KHU_PHO["source_owner"]):
            name = f"Hộ {rng.choice(FAMILY)} {rng.choice(GIVEN)}"
            rows.append(
                WastePoint(
                    **common("source_owner", kp) | {"condition": ""},
                    name=name,
                    source_kind="household",
                    fee_status=_weighted(rng, FEES),
                    monthly_fee=rng.choice([20_000, 30_000, 40_000]),
                    contact_name=name.removeprefix("Hộ "),
                    contact_phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                    collection_schedule=SCHEDULES[n % len(SCHEDULES)],
                    geom=point(kp),
                )
            )
        for owners in sources:
            for o in owners(kp):
                rows.append(
                    WastePoint(
                        **common("source_owner", kp) | {"condition": ""},
                        name=o.name,
                        address=o.address,
                        source_kind=o.source_kind,
                        fee_status=_weighted(rng, FEES),
                        monthly_fee=rng.choice(list(o.monthly_fees)),
                        contact_name=o.contact_name,
                        contact_phone=o.contact_phone,
                        geom=o.geom,
                    )
                )
    if khu_phos:
        rows.append(
            WastePoint(
                **common("transfer_station", khu_phos[len(khu_phos) // 2]),
                name=f"Trạm trung chuyển rác {WARD_NAME}",
                capacity=30,
                collection_schedule="Hằng ngày 20:00–04:00",
                geom=point(khu_phos[len(khu_phos) // 2]),
            )
        )
    return rows


def seed_waste_points(ctx: DemoContext) -> None:
    ward = ctx.data["ward"]
    if WastePoint.objects.filter(ward=ward).exists():
        ctx.log("  waste points: already loaded")
        return
    made = WastePoint.objects.bulk_create(build_waste_points(ctx, ward))
    ctx.log(f"  waste points: {len(made)}")
