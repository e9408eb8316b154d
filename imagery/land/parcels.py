"""Land parcels from the corner coordinates of a survey document: parse, reproject, measure.

Vietnamese survey documents (bảng kê tọa độ góc thửa) list corners in VN-2000 TM-3 metres with
X the northing and Y the easting, the reverse of the mathematical habit; numbers may be written
with a decimal comma. Corners go to WGS 84 through PROJ's own EPSG transformation (layers/crs.py),
never a hand-written +towgs84. Area, perimeter and edge lengths are measured in a VN-2000 plane:
the document's own when it is VN-2000, otherwise the TM-3 zone of the place (docs/architecture.md, Coordinates).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import shapely

from gisportal.errors import InvalidInput, PortalError
from layers.crs import (
    UTM48N,
    VN2000_TM3_105_45,
    VN2000_TM3_107_45,
    VN2000_UTM48N,
    WGS84,
    check_lon_lat,
    transformer,
)

CRS_CHOICES: dict[int, tuple[str, str]] = {
    VN2000_TM3_105_45: ("VN-2000 / TM-3 kinh tuyến trục 105°45' (TP.HCM)", "VN-2000 / TM-3 105°45' (HCMC)"),
    VN2000_TM3_107_45: (
        "VN-2000 / TM-3 kinh tuyến trục 107°45' (Bà Rịa–Vũng Tàu cũ)",
        "VN-2000 / TM-3 107°45' (former Bà Rịa–Vũng Tàu)",
    ),
    VN2000_UTM48N: ("VN-2000 / UTM múi 48N", "VN-2000 / UTM zone 48N"),
    UTM48N: ("WGS 84 / UTM múi 48N", "WGS 84 / UTM zone 48N"),
    WGS84: ("WGS 84 (kinh độ, vĩ độ)", "WGS 84 (degrees)"),
}
VN2000 = {VN2000_TM3_105_45, VN2000_TM3_107_45, VN2000_UTM48N}
# Column order of the corners as typed: projected "xy" is the documents' X = northing, Y = easting.
ORDERS = {"xy": "X (bắc), Y (đông)", "en": "Đông (E), Bắc (N)", "latlon": "Vĩ độ, kinh độ", "lonlat": "Kinh độ, vĩ độ"}
# The former Bà Rịa–Vũng Tàu (central meridian 107°45') lies east of about 107° E.
EAST_ZONE_FROM_LON = 107.0
MAX_CORNERS = 200


def measure_srid(srid: int, lon: float) -> int:
    """The VN-2000 plane a parcel is measured in: the document's own, else the TM-3 zone of the place."""
    if srid in VN2000:
        return srid
    return VN2000_TM3_107_45 if lon >= EAST_ZONE_FROM_LON else VN2000_TM3_105_45


def _number(token: str, line_no: int) -> float:
    """A number as written in a document: '1191234.56', '1191234,56', '1.191.234,56', '1 191 234,56'."""
    text = token.replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        # The separator written last is the decimal one; the other groups thousands.
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(
            f"Dòng {line_no}: '{token}' không phải là số.",
            f"Line {line_no}: {token!r} is not a number.",
            {"line": line_no, "value": token},
            code="invalid_corners",
        )
    return value


# Column separators; a comma only when a space follows ("10.78, 106.70"): "1191234,56" is a decimal comma.
_SPLIT = re.compile(r"[\t;|]+|,\s+")


def parse_corners(text: str) -> list[tuple[str, float, float]]:
    """(label, first, second) per line: 'X Y' or 'label X Y', separated by spaces, tabs or ';'."""
    rows: list[tuple[str, float, float]] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in _SPLIT.split(line) if p.strip()] if _SPLIT.search(line) else line.split()
        if len(parts) == 1 and line.count(",") == 1:
            parts = line.split(",")  # "lat,lon" pasted from a map
        if len(parts) not in (2, 3):
            raise InvalidInput(
                f"Dòng {line_no} cần 2 số (X Y) hoặc tên điểm và 2 số: '{line}'.",
                f"Line {line_no} needs 2 numbers (X Y), or a point name and 2 numbers: {line!r}.",
                {"line": line_no, "text": line},
                code="invalid_corners",
            )
        label = parts[0] if len(parts) == 3 else str(len(rows) + 1)
        rows.append((label, _number(parts[-2], line_no), _number(parts[-1], line_no)))
    return rows


def _xy(rows: list[tuple[str, float, float]], order: str) -> list[tuple[float, float]]:
    """Corners as (easting, northing) or (lon, lat): PROJ's always_xy order."""
    if order in ("xy", "latlon"):
        return [(b, a) for _label, a, b in rows]
    return [(a, b) for _label, a, b in rows]


@dataclass(frozen=True)
class Shape:
    """A parcel outline: its WGS 84 polygon and its measures in a VN-2000 plane."""

    polygon: shapely.Polygon  # WGS 84, lon/lat
    source_srid: int
    corners: dict  # as typed: {"order": …, "points": [[label, first, second], …]}
    measure_srid: int
    plane: list[tuple[float, float]]  # (easting, northing) in measure_srid, one per corner
    labels: list[str]

    @property
    def area_m2(self) -> float:
        return abs(shapely.Polygon(self.plane).area)

    @property
    def perimeter_m(self) -> float:
        return shapely.Polygon(self.plane).length

    def edges(self) -> list[dict]:
        n = len(self.plane)
        out = []
        for i in range(n):
            (x1, y1), (x2, y2) = self.plane[i], self.plane[(i + 1) % n]
            out.append(
                {
                    "from": self.labels[i],
                    "to": self.labels[(i + 1) % n],
                    "length_m": round(math.hypot(x2 - x1, y2 - y1), 3),
                }
            )
        return out

    def as_dict(self) -> dict:
        return {
            "geometry": shapely.geometry.mapping(self.polygon),
            "source_srid": self.source_srid,
            "measure_srid": self.measure_srid,
            "measure_crs": CRS_CHOICES[self.measure_srid][1],
            "area_m2": round(self.area_m2, 2),
            "perimeter_m": round(self.perimeter_m, 2),
            "edges": self.edges(),
            "corners": [
                {"label": label, "x_north": round(n, 3), "y_east": round(e, 3), "lon": lon, "lat": lat}
                for label, (e, n), (lon, lat) in zip(
                    self.labels, self.plane, self.polygon.exterior.coords[:-1], strict=True
                )
            ],
        }


def _outside(points: list[tuple[float, float]]) -> PortalError | None:
    for lon, lat in points:
        try:
            check_lon_lat(lon, lat)
        except PortalError as exc:
            return exc
    return None


def build(corners: str | list, srid: int, order: str = "xy") -> Shape:
    """The parcel outlined by `corners` (text as pasted, or [[label, a, b], …]) in `srid`, or a clear refusal."""
    if srid not in CRS_CHOICES:
        raise InvalidInput(
            f"Hệ tọa độ EPSG:{srid} không được hỗ trợ.",
            f"EPSG:{srid} is not supported; use one of {sorted(CRS_CHOICES)}.",
            {"srid": srid, "choices": sorted(CRS_CHOICES)},
        )
    allowed = ("latlon", "lonlat") if srid == WGS84 else ("xy", "en")
    if order not in allowed:
        raise InvalidInput(
            f"Thứ tự cột '{order}' không dùng được với EPSG:{srid}; chọn {' hoặc '.join(allowed)}.",
            f"Column order {order!r} does not fit EPSG:{srid}; use {' or '.join(allowed)}.",
            {"order": order},
        )
    rows = parse_corners(corners) if isinstance(corners, str) else _rows(corners)
    if len(rows) > 1 and rows[0][1:] == rows[-1][1:]:
        rows = rows[:-1]  # a closed ring as some documents write it
    if not rows:
        raise InvalidInput(
            "Chưa có góc nào: dán bảng tọa độ góc thửa, mỗi góc một dòng.",
            "No corners: paste the corner table, one corner a line.",
            {"corners": 0},
            code="invalid_corners",
        )
    distinct = {(a, b) for _l, a, b in rows}
    if len(rows) < 3 or len(distinct) < len(rows) or len(rows) > MAX_CORNERS:
        raise InvalidInput(
            f"Cần từ 3 đến {MAX_CORNERS} góc khác nhau; có {len(rows)} góc ({len(distinct)} khác nhau).",
            f"Need 3 to {MAX_CORNERS} distinct corners; got {len(rows)} ({len(distinct)} distinct).",
            {"corners": len(rows), "distinct": len(distinct)},
            code="invalid_corners",
        )
    xy = _xy(rows, order)
    to_wgs = transformer(srid, WGS84)
    lonlat = [to_wgs.transform(x, y) for x, y in xy]
    problem = _outside(lonlat)
    if problem is not None:
        if srid != WGS84:
            swapped = [to_wgs.transform(y, x) for x, y in xy]
            if _outside(swapped) is None:
                first = "X (bắc), Y (đông)" if order == "en" else "Đông, Bắc"
                raise InvalidInput(
                    f"Tọa độ nằm ngoài Việt Nam, nhưng sẽ đúng nếu đảo hai cột: kiểm tra thứ tự ({first}). "
                    "Trong hồ sơ địa chính, X là tọa độ bắc (northing), Y là tọa độ đông (easting).",
                    "The corners fall outside Vietnam but would fit with the two columns swapped: check the order. "
                    "Vietnamese survey documents write X as the northing and Y as the easting.",
                    {"srid": srid, "order": order},
                    code="swapped_coordinates",
                )
            raise InvalidInput(
                f"Tọa độ nằm ngoài Việt Nam theo EPSG:{srid}: kiểm tra hệ tọa độ (múi chiếu) đã chọn.",
                f"The corners fall outside Vietnam in EPSG:{srid}: check the chosen CRS (zone).",
                {"srid": srid, "first": list(lonlat[0])},
                code="outside_vietnam",
            )
        raise problem
    polygon = shapely.Polygon(lonlat)
    if not polygon.is_valid:
        raise InvalidInput(
            "Các cạnh của thửa cắt nhau: kiểm tra thứ tự các góc.",
            "The parcel's edges cross each other: check the order of the corners.",
            {"reason": shapely.is_valid_reason(polygon)},
            code="invalid_corners",
        )
    centre_lon = sum(p[0] for p in lonlat) / len(lonlat)
    plane_srid = measure_srid(srid, centre_lon)
    if plane_srid == srid:
        plane = xy
    else:
        to_plane = transformer(WGS84, plane_srid)
        plane = [to_plane.transform(lon, lat) for lon, lat in lonlat]
    return Shape(
        polygon=polygon,
        source_srid=srid,
        corners={"order": order, "points": [[label, a, b] for label, a, b in rows]},
        measure_srid=plane_srid,
        plane=plane,
        labels=[label for label, _a, _b in rows],
    )


def _rows(points: list) -> list[tuple[str, float, float]]:
    rows = []
    for i, point in enumerate(points, start=1):
        if not isinstance(point, list | tuple) or len(point) not in (2, 3):
            raise InvalidInput(
                f"Góc {i} phải là [X, Y] hoặc [tên, X, Y].",
                f"Corner {i} must be [X, Y] or [label, X, Y].",
                {"corner": i},
                code="invalid_corners",
            )
        label = str(point[0]) if len(point) == 3 else str(i)
        rows.append((label, _number(str(point[-2]), i), _number(str(point[-1]), i)))
    return rows


def from_stored(corners: dict, srid: int) -> Shape:
    """The shape of a saved parcel, rebuilt from its corners as typed."""
    return build(corners["points"], srid, corners["order"])
