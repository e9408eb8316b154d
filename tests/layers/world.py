"""Waste points and forest plots for the layer tests, generated in code with fixed seeds."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.gis.geos import Point, Polygon

from layers.models import ForestPlot, ForestSurvey, WastePoint

KINDS = ["bin", "toilet", "transfer_station", "dump_hotspot", "source_owner"]


def waste_point(ward, khu_pho=None, lon: float = 106.70, lat: float = 10.78, **kw) -> WastePoint:
    kind = kw.pop("kind", "bin")
    if kind == "source_owner":
        kw.setdefault("source_kind", "household")
        kw.setdefault("fee_status", "paid")
    obj = WastePoint(
        kind=kind,
        name=kw.pop("name", f"Điểm {kind}"),
        ward=ward,
        khu_pho=khu_pho,
        geom=Point(lon, lat, srid=4326),
        **kw,
    )
    obj.save()
    return obj


def waste_field(world, n: int = 60, seed: int = 7) -> list[WastePoint]:
    """n points over ward A's two khu phố (and ward B's), every kind, a few deleted."""
    rng = random.Random(seed)
    places = [
        (world.ward_a, world.kp_a1, 106.695),
        (world.ward_a, world.kp_a2, 106.705),
        (world.ward_b, world.kp_b1, 106.73),
    ]
    made = []
    for i in range(n):
        ward, kp, lon = places[i % 3]
        kind = KINDS[i % len(KINDS)]
        extra = {}
        if kind == "source_owner":
            extra = {
                "source_kind": rng.choice(["household", "business"]),
                "fee_status": rng.choice(["paid", "due", "overdue", "exempt"]),
                "monthly_fee": rng.choice([20_000, 30_000, 150_000]),
                "contact_name": f"Chủ Nguồn Thải {i:03d}",
                "contact_phone": f"0977{i:06d}",
            }
        made.append(
            waste_point(
                ward,
                kp,
                lon + rng.uniform(-0.0015, 0.0015),
                10.78 + rng.uniform(-0.0015, 0.0015),
                kind=kind,
                name=f"Điểm thử {i:03d}",
                capacity=rng.choice([120, 240, 660]) if kind == "bin" else None,
                operator="Công ty Dịch vụ Công ích",
                condition=rng.choice(["good", "worn", "damaged"]),
                last_inspected=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300)),
                is_deleted=i % 17 == 16,
                **extra,
            )
        )
    return made


def square_plot(lon: float, lat: float, half: float = 0.0005) -> Polygon:
    ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    return Polygon([*ring, ring[0]], srid=4326)


def forest_plot(ward, code: str, lon: float = 106.70, lat: float = 10.78, **kw) -> ForestPlot:
    obj = ForestPlot(
        code=code,
        sub_zone=kw.pop("sub_zone", "Tiểu khu 1"),
        species=kw.pop("species", "Đước đôi"),
        planting_year=kw.pop("planting_year", 1990),
        ward=ward,
        geom=kw.pop("geom", None) or square_plot(lon, lat),
        **kw,
    )
    obj.save()
    return obj


def survey(plot, day: dt.date, **kw) -> ForestSurvey:
    values = {
        "canopy_cover_pct": 70.0,
        "density_per_ha": 1500.0,
        "mean_height_m": 12.0,
        "mean_dbh_cm": 15.0,
        "carbon_t_ha": 120.0,
        "condition": "healthy",
    } | kw
    return ForestSurvey.objects.create(plot=plot, surveyed_on=day, **values)
