"""A small unit table and ward-polygon file, generated here, shaped like the 2025 reform around Bàn Cờ.

Five pre-2025 wards of Quận 3 in a row of 550 m squares, west to east: Phường 1, Phường 2, Phường 4
(split between Bàn Cờ and Xuân Hòa), Phường Võ Thị Sáu, and 'Ward 8' (in the polygon file only: merged
away before 2025, as in the real 2019 file); north of Phường 1, Phường 2 of Quận 10 (another 'Phường 2').
Today's units: Bàn Cờ (P1, P2, part of P4), Xuân Hòa (Võ Thị Sáu, part of P4, written by name and
district), Vườn Lài (P2 of Quận 10).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from layers.units.units2025 import COLUMNS

LON0, LAT0, CELL = 106.68, 10.77, 0.005

FORMER = [
    ("district", "770", "Quận 3", "quan", ""),
    ("district", "771", "Quận 10", "quan", ""),
    ("ward", "27160", "Phường 1", "phuong", "770"),
    ("ward", "27157", "Phường 2", "phuong", "770"),
    ("ward", "27148", "Phường 4", "phuong", "770"),
    ("ward", "27139", "Phường Võ Thị Sáu", "phuong", "770"),
    ("ward", "27200", "Phường 2", "phuong", "771"),
]
CURRENT = [
    ("27154", "Phường Bàn Cờ", "0.76", "Quận 3", "27160;27157;27148"),
    ("27139", "Phường Xuân Hòa", "0.76", "Quận 3", "Phường Võ Thị Sáu (Quận 3);Phường 4 (Quận 3)"),
    ("27190", "Phường Vườn Lài", "0.30", "Quận 10", "27200"),
]
# code, name as the 2019 file writes it, district code, (column, row) of its square
POLYGONS = [
    ("27160", "Ward 1", "770", (0, 0)),
    ("27157", "Ward 2", "770", (1, 0)),
    ("27148", "Ward 4", "770", (2, 0)),
    ("27139", "Ward 6", "770", (3, 0)),
    ("27121", "Ward 8", "770", (4, 0)),
    ("27200", "Ward 2", "771", (0, 1)),
]


def point(col: float, row: float) -> tuple[float, float]:
    """(lon, lat) at a position in cell units: (2.2, 0.5) is in the west of Phường 4."""
    return LON0 + col * CELL, LAT0 + row * CELL


def table_rows() -> list[dict]:
    rows = [
        {"period": "former", "level": lvl, "code": c, "name": n, "kind": k, "parent": p, "province": "79"}
        for lvl, c, n, k, p in FORMER
    ]
    rows += [
        {
            "period": "current",
            "level": "ward",
            "code": c,
            "name": n,
            "kind": "phuong",
            "area_km2": a,
            "former_districts": d,
            "province": "79",
            "predecessors": p,
        }
        for c, n, a, d, p in CURRENT
    ]
    return rows


def write_table(path: Path, rows: list[dict] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*COLUMNS, "predecessors"], lineterminator="\n")
        writer.writeheader()
        for row in table_rows() if rows is None else rows:
            writer.writerow({c: row.get(c, "") for c in [*COLUMNS, "predecessors"]})
    return path


def write_boundaries(path: Path, polygons: list[tuple] | None = None) -> Path:
    """A GeoPackage of the pre-2025 wards in WGS 84, fields as the 2019 file names them."""
    polygons = POLYGONS if polygons is None else polygons
    frame = gpd.GeoDataFrame(
        {
            "Com_ID": [c for c, *_ in polygons],
            "Com_Name": [n for _, n, *_ in polygons],
            "Dist_ID": [d for _, _, d, _ in polygons],
        },
        geometry=[box(*point(x, y), *point(x + 1, y + 1)) for *_, (x, y) in polygons],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GPKG")
    return path
