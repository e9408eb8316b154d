"""Streets and house numbers for the two-ward test world, and real files holding them (CSV, XLSX, GPKG, SHP).

Ward A (106.69–106.71 E, 10.77–10.79 N) gets 'Nguyễn Đình Chiểu' running east along 10.780 N and
'Đường số 7' running north along 106.700 E; ward B gets its own 'Nguyễn Đình Chiểu'. Numbers grow
eastwards (northwards), odd on the north (west) side, even on the south (east) side, a lot every ~5.5 m.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import openpyxl
import shapely
from django.contrib.gis.geos import LineString, MultiLineString
from django.test import Client

from households.models import Street
from layers.crs import WGS84, transformer

SIDE_DEG = 0.00008  # ~9 m from the centre line
LOT_DEG = 0.00005  # ~5.5 m


@dataclass(frozen=True)
class House:
    number: str
    street: str
    lon: float
    lat: float


def make_streets(world) -> dict[str, Street]:
    def line(*coords) -> MultiLineString:
        return MultiLineString(LineString(coords, srid=4326), srid=4326)

    return {
        "ndc_a": Street.objects.create(
            name="Nguyễn Đình Chiểu", ward=world.ward_a, geom=line((106.691, 10.780), (106.709, 10.780))
        ),
        "so7_a": Street.objects.create(
            name="Đường số 7", ward=world.ward_a, geom=line((106.700, 10.771), (106.700, 10.789))
        ),
        "ndc_b": Street.objects.create(
            name="Nguyễn Đình Chiểu", ward=world.ward_b, geom=line((106.721, 10.780), (106.739, 10.780))
        ),
    }


def ndc_houses(
    first: int = 1, count: int = 20, lon0: float = 106.6925, street: str = "Nguyễn Đình Chiểu"
) -> list[House]:
    """Street-front numbers first..first+count-1 on Nguyễn Đình Chiểu (ward A by default), in order."""
    out = []
    for n in range(first, first + count):
        lot = (n - 1) // 2
        lat = 10.780 + (SIDE_DEG if n % 2 else -SIDE_DEG)
        out.append(House(str(n), street, round(lon0 + lot * LOT_DEG, 7), round(lat, 7)))
    return out


def alley_houses(main: int = 5, count: int = 6) -> list[House]:
    """Alley 'main' off Nguyễn Đình Chiểu (north side), running north: main/1, main/2 …"""
    base = next(h for h in ndc_houses(main, 1))
    return [
        House(
            f"{main}/{k}",
            "Nguyễn Đình Chiểu",
            round(base.lon + (SIDE_DEG / 3 if k % 2 else -SIDE_DEG / 3), 7),
            round(base.lat + 0.00004 * (k + 1), 7),
        )
        for k in range(1, count + 1)
    ]


def vn2000(houses: list[House], epsg: int) -> list[tuple[House, float, float]]:
    """(house, easting, northing) in a VN-2000 CRS, through PROJ's own EPSG transformation."""
    tr = transformer(WGS84, epsg)
    return [(h, *tr.transform(h.lon, h.lat)) for h in houses]


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def wgs84_csv(path: Path, houses: list[House], crs_column: bool = True) -> Path:
    header = ["STT", "Số nhà", "Đường", "Vĩ độ", "Kinh độ"] + (["EPSG"] if crs_column else [])
    rows = [[i, h.number, h.street, h.lat, h.lon] + ([4326] if crs_column else []) for i, h in enumerate(houses, 1)]
    return write_csv(path, header, rows)


def survey_csv(path: Path, houses: list[House], epsg: int, swap: bool = False) -> Path:
    """A VN-2000 survey table: X is the northing, Y the easting (``swap`` writes them the GIS way, wrongly)."""
    rows = []
    for i, (h, e, n) in enumerate(vn2000(houses, epsg), 1):
        x, y = (e, n) if swap else (n, e)
        rows.append([i, h.number, h.street, f"{x:.3f}", f"{y:.3f}"])
    return write_csv(path, ["STT", "Số nhà", "Đường", "X", "Y"], rows)


def xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def gis_file(path: Path, houses: list[House], epsg: int | None, driver: str) -> Path:
    """A GeoPackage or Shapefile of points in ``epsg`` (None: no CRS at all, i.e. a .prj-less shapefile)."""
    points = shapely.points([h.lon for h in houses], [h.lat for h in houses])
    frame = gpd.GeoDataFrame(
        {"so_nha": [h.number for h in houses], "duong": [h.street for h in houses]}, geometry=points, crs=WGS84
    )
    if epsg is not None and epsg != WGS84:
        frame = frame.to_crs(epsg)
    if epsg is None:
        frame = frame.set_crs(None, allow_override=True)
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def zip_shapefile(shp: Path) -> Path:
    out = shp.with_suffix(".zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in shp.parent.glob(shp.stem + ".*"):
            if part.suffix != ".zip":
                zf.write(part, f"houses/{part.name}")
    return out


def upload(client: Client, path: Path, **data):
    with open(path, "rb") as f:
        return client.post("/api/v1/house-imports/", {"file": f, **data})


def sample(kind: str, world) -> int:
    """The id of a house number, an import or a household in ward A, for the role × endpoint walk."""
    from households.models import Household, HouseImport, HouseNumber

    street = Street.objects.filter(ward=world.ward_a).first() or make_streets(world)["ndc_a"]
    house = HouseNumber.objects.filter(street=street).first()
    if house is None:
        house = HouseNumber.objects.create(
            ward=world.ward_a,
            khu_pho=world.kp_a1,
            street=street,
            main=1,
            number="1",
            sort_key="  00001   ",
            address=f"1 {street.name}, Khu phố 1, {world.ward_a.name}, Thành phố Hồ Chí Minh",
            geom="SRID=4326;POINT(106.6925 10.78008)",
        )
    if kind == "house_number":
        return house.pk
    if kind == "house_import":
        return HouseImport.objects.create(source="api", file_name="so-nha.csv", ward=world.ward_a).pk
    household = Household.objects.create(
        house_number=house,
        ward=world.ward_a,
        khu_pho=world.kp_a1,
        code=f"T-{Household.objects.count() + 1}",
        head_name="Chủ Hộ Mẫu",
        head_phone="0961000000",
        members=[{"name": "Chủ Hộ Mẫu", "birth_year": 1970, "sex": "M", "relation": "Chủ hộ"}],
    )
    return household.pk
