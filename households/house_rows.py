"""House numbers as rows for COPY, written the same way by the demo generator and the file import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from django.db import connection

from households.addresses import CITY, HouseNumber

HOUSE_TABLE = "households_housenumber"
HOUSE_COLUMNS = [
    "id",
    "ward_id",
    "khu_pho_id",
    "street_id",
    "main",
    "main_suffix",
    "prefix",
    "alleys",
    "number",
    "sort_key",
    "address",
    "geom",
    "status",
    "source",
    "house_import_id",
    "version",
]


def canonical_address(number: str, street: str, khu_pho: str | None, ward: str) -> str:
    """'123/4/5A Nguyễn Đình Chiểu, Khu phố 3, Phường Bàn Cờ, Thành phố Hồ Chí Minh' (``ParsedAddress.canonical``'s
    form; a khu phố unit's name already reads 'Khu phố 3' or 'Ấp Tiền Lân')."""
    return ", ".join(p for p in (f"{number} {street}", khu_pho, ward, CITY) if p)


def pg_array(values: Sequence[str]) -> str:
    """A text[] literal for COPY: alley parts hold only letters and digits, quoted all the same."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def reserve_ids(table: str, count: int) -> list[int]:
    """``count`` ids from the table's own sequence, so rows and their history can be written by COPY."""
    if count == 0:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [r[0] for r in cur.fetchall()]


def ewkb_hex(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Hex EWKB points in EPSG:4326, built in one vectorised call (COPY reads them as geometry)."""
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = shapely.set_srid(points, 4326)
    return shapely.to_wkb(points, hex=True, include_srid=True)


def house_row(
    pk: int,
    ward_id: int,
    khu_pho_id: int | None,
    street_id: int,
    house: HouseNumber,
    address: str,
    geom_hex: str,
    source: str,
    import_id: int | None = None,
) -> tuple:
    """One row in ``HOUSE_COLUMNS`` order."""
    return (
        pk,
        ward_id,
        khu_pho_id,
        street_id,
        house.main,
        house.main_suffix,
        house.prefix,
        pg_array(house.alleys),
        house.canonical(),
        house.sort_key(),
        address,
        geom_hex,
        "active",
        source,
        import_id,
        1,
    )


def khu_pho_of(x: np.ndarray, y: np.ndarray, units: Iterable[tuple[int, shapely.Geometry]]) -> list[int | None]:
    """The khu phố id containing each point (same CRS as the polygons), None outside all of them."""
    out: list[int | None] = [None] * len(x)
    for unit_id, poly in units:
        for i in np.flatnonzero(shapely.contains_xy(poly, x, y)):
            if out[i] is None:
                out[i] = unit_id
    return out
