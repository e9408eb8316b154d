"""Reading a house-number file's rows: text checks, the house number and street (or a whole address) of each
row, its coordinate system and its point in WGS 84. Each distinct string is parsed once; coordinates go
through one PROJ call per CRS (PROJ's own EPSG transformation, never a hand-written ``+towgs84``).

Vietnamese survey files write X as the northing and Y as the easting: columns ``x``/``y`` of a VN-2000
file are read that way; ``easting``/``northing`` say it outright. WGS 84 wants ``lat``/``lon``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from gisportal.text import fold, nfc
from households.addresses import AddressError, parse_address, parse_house_number, street_key
from households.addresses import HouseNumber as Number
from households.imports import crs as import_crs
from households.imports.issues import Issues
from households.imports.state import ImportState
from layers.crs import UTM48N, VIETNAM_LAT, VIETNAM_LON, WGS84, transformer

MAX_LENGTH = {"number": 80, "street": 120, "address": 300, "ward": 120, "khu_pho": 120}

_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RowChecks(ImportState):
    """The stages of an import that read each row on its own (see ``run._Import`` for the state they fill)."""

    issues: Issues

    # --- text -------------------------------------------------------------------------------------

    def _texts(self) -> None:
        """Control characters, HTML and overlong values, judged once per distinct value."""
        for column in ("address", "number", "street", "ward", "khu_pho"):
            values = self.table.columns.get(column)
            if values is None:
                continue
            verdict: dict[Any, tuple | None] = {}
            for i, raw in enumerate(values):
                if raw not in verdict:
                    verdict[raw] = _text_problem(column, raw)
                if problem := verdict[raw]:
                    self.issues.add(problem[0], i, self.row_no[i], column=column, **problem[1])

    def _addresses(self) -> None:
        """Number, street key and ward hint of every row; each distinct string parsed once."""
        n, cols = self.n, self.table.columns
        self.numbers: list[Number | None] = [None] * n
        self.street_keys: list[str | None] = [None] * n
        self.street_text: list[str] = [""] * n
        self.ward_hint: list[tuple[str | None, str | None, str]] = [(None, None, "")] * n
        if "number" in cols and "street" in cols:
            numbers: dict[Any, Number | str] = {}
            streets: dict[Any, str | None] = {}
            for i, (raw_n, raw_s) in enumerate(zip(cols["number"], cols["street"], strict=True)):
                if i in self.issues.bad:
                    continue
                if raw_n not in numbers:
                    numbers[raw_n] = _number(raw_n)
                if raw_s not in streets:
                    streets[raw_s] = street_key(_text(raw_s)) if _text(raw_s) else None
                number, key = numbers[raw_n], streets[raw_s]
                if isinstance(number, str):
                    what = {"what": "số nhà", "what_en": "house number", "value": number}
                    self.issues.add("unparseable", i, self.row_no[i], **what)
                elif key is None:
                    what = {"what": "tên đường", "what_en": "street", "value": _text(raw_s)}
                    self.issues.add("unparseable", i, self.row_no[i], **what)
                else:
                    self.numbers[i], self.street_keys[i], self.street_text[i] = number, key, _text(raw_s)
            if "ward" in cols:
                hints: dict[str, tuple[str | None, str | None, str]] = {}
                for i, raw in enumerate(cols["ward"]):
                    text = _text(raw)
                    if text:
                        if text not in hints:
                            hints[text] = ward_hint(text)
                        self.ward_hint[i] = hints[text]
            return
        parsed: dict[Any, Any] = {}
        for i, raw in enumerate(cols["address"]):
            if i in self.issues.bad:
                continue
            if raw not in parsed:
                parsed[raw] = _address(raw)
            p = parsed[raw]
            if isinstance(p, tuple):
                code, values = p
                self.issues.add(code, i, self.row_no[i], **values)
                continue
            self.numbers[i], self.street_keys[i], self.street_text[i] = p.house, p.street_key, p.street
            if p.ward_key:
                self.ward_hint[i] = (p.ward_key, p.district_key, p.ward)

    # --- coordinates ------------------------------------------------------------------------------

    def _crs(self) -> None:
        """The EPSG code of every row: from the file, a crs column, or the job's parameter."""
        t, param = self.table, self.job.crs
        self.epsg = np.zeros(self.n, dtype=np.int64)
        code = import_crs.file_crs(t, param)
        if code is not None:
            self.epsg[:] = code
            return
        codes: dict[Any, int | None] = {}
        for i, raw in enumerate(t.columns["crs"]):
            if raw not in codes:
                codes[raw] = import_crs.epsg(raw)
            code = codes[raw]
            if code is None and _text(raw) == "" and param:
                code = param
            if code is None:
                if _text(raw):
                    self.issues.add("unsupported_crs", i, self.row_no[i], value=_text(raw))
                else:
                    self.issues.add("missing_crs", i, self.row_no[i])
            elif code not in import_crs.ACCEPTED_CRS:
                self.issues.add("unsupported_crs", i, self.row_no[i], value=f"EPSG:{code}")
            else:
                self.epsg[i] = code

    def _coordinates(self) -> None:
        """lon/lat (WGS 84) of every row, one PROJ call per CRS; points outside Vietnam are explained."""
        t, n = self.table, self.n
        east, north = np.full(n, np.nan), np.full(n, np.nan)
        geo = self.epsg == WGS84
        if t.points is not None:
            east[:], north[:] = t.points
        cols = t.columns
        missing = np.isnan(east) | np.isnan(north)
        if missing.any():
            if {"easting", "northing"} <= cols.keys():
                e, nn = _floats(cols["easting"]), _floats(cols["northing"])
                use = missing & ~geo
                east[use], north[use] = e[use], nn[use]
            elif {"x", "y"} <= cols.keys():
                x, y = _floats(cols["x"]), _floats(cols["y"])
                use = missing & ~geo
                east[use], north[use] = y[use], x[use]  # survey convention: X northing, Y easting
            if {"lat", "lon"} <= cols.keys():
                lat, lon = _floats(cols["lat"]), _floats(cols["lon"])
                use = missing & geo
                east[use], north[use] = lon[use], lat[use]
        for i in np.flatnonzero(np.isnan(east) | np.isnan(north)):
            if i in self.issues.bad or self.epsg[i] == 0:
                continue
            if t.points is None and geo[i] and "lat" not in cols:
                vi = "Với WGS 84 (EPSG:4326) hãy dùng cột lat và lon."
                en = "With WGS 84 (EPSG:4326) use lat and lon columns."
            elif t.points is None and not geo[i] and "x" not in cols and "easting" not in cols:
                vi = f"EPSG:{self.epsg[i]} là hệ tọa độ phẳng (mét): dùng cột x/y hoặc easting/northing, không lat/lon."
                en = f"EPSG:{self.epsg[i]} is projected (metres): use x/y or easting/northing columns, not lat/lon."
            else:
                vi, en = "Thiếu tọa độ hoặc tọa độ không phải là số.", "Coordinates are missing or not numbers."
            self.issues.add("bad_coordinates", int(i), self.row_no[i], vi=vi, en=en)
        self.lon, self.lat = np.full(n, np.nan), np.full(n, np.nan)
        ok = ~(np.isnan(east) | np.isnan(north)) & (self.epsg > 0)
        self.crs_counts = {}
        for code in np.unique(self.epsg[ok]).tolist():
            mask = ok & (self.epsg == code)
            self.crs_counts[str(code)] = int(mask.sum())
            if code == WGS84:
                self.lon[mask], self.lat[mask] = east[mask], north[mask]
            else:
                self.lon[mask], self.lat[mask] = transformer(code, WGS84).transform(east[mask], north[mask])
        inside = _in_vietnam(self.lon, self.lat)
        for i in np.flatnonzero(ok & ~inside):
            code = int(self.epsg[i])
            if code == WGS84:
                swapped = _in_vietnam(np.array([north[i]]), np.array([east[i]]))[0]
                reason = "swapped_coordinates"
            else:
                lon2, lat2 = transformer(code, WGS84).transform(north[i], east[i])
                swapped = _in_vietnam(np.array([lon2]), np.array([lat2]))[0]
                reason = "swapped_axes"
            if swapped:
                self.issues.add(reason, int(i), self.row_no[i], value=[float(east[i]), float(north[i])])
            else:
                at_lat, at_lon = float(self.lat[i]), float(self.lon[i])
                if not (np.isfinite(at_lat) and np.isfinite(at_lon)):
                    at_lat, at_lon = float(north[i]), float(east[i])
                self.issues.add("outside_vietnam", int(i), self.row_no[i], lat=at_lat, lon=at_lon)
        self.placed = ok & inside
        self.lon[~self.placed] = np.nan
        self.lat[~self.placed] = np.nan
        x, y = transformer(WGS84, UTM48N).transform(np.nan_to_num(self.lon), np.nan_to_num(self.lat))
        self.x, self.y = np.asarray(x), np.asarray(y)


# --- helpers ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _text_problem(column: str, raw: Any) -> tuple[str, dict] | None:
    text = _text(raw)
    if _CONTROL.search(text):
        return "bad_text", {}
    if _HTML.search(text):
        return "html_in_text", {}
    if len(text) > MAX_LENGTH[column]:
        return "too_long", {"length": len(text), "limit": MAX_LENGTH[column]}
    return None


def _number(raw: Any) -> Number | str:
    """A parsed house number, or the text when it is none."""
    text = _text(raw)
    try:
        return parse_house_number(text)
    except AddressError:
        return text


def ward_hint(text: str) -> tuple[str | None, str | None, str]:
    """A ward column as an address writes it: 'Phường 4, Quận 3' is Phường 4 of the old Quận 3 (its district
    narrows the numbered wards), so the point decides between the units an old or split ward went to."""
    try:
        p = parse_address(text)
    except AddressError:
        p = None
    if p is not None and p.ward_key and p.house is None and p.street_key is None:
        return p.ward_key, p.district_key, text
    return fold(text), None, text


def _address(raw: Any):
    """A ParsedAddress that names a house on a street, or (issue code, values)."""
    text = _text(raw)
    try:
        p = parse_address(text)
    except AddressError:
        return "unparseable", {"what": "địa chỉ", "what_en": "address", "value": text}
    if p.house is not None and p.names_alley:
        return "names_alley", {"value": text}
    if p.house is None:
        return "unparseable", {"what": "số nhà trong địa chỉ", "what_en": "house number in the address", "value": text}
    if p.street_key is None:
        return "unparseable", {"what": "tên đường trong địa chỉ", "what_en": "street in the address", "value": text}
    return p


def _floats(values: list[Any]) -> np.ndarray:
    """Numbers from cells: floats as they are, text with a decimal comma or thousands marks read too."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, int | float):
            out[i] = float(v)
            continue
        text = str(v).strip().replace(" ", "")
        if "," in text and "." in text:
            decimal = "," if text.rfind(",") > text.rfind(".") else "."
            text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
        elif text.count(",") == 1:
            text = text.replace(",", ".")  # 10,7812: the Vietnamese decimal comma
        try:
            out[i] = float(text)
        except ValueError:
            pass
    out[~np.isfinite(out)] = np.nan
    return out


def _in_vietnam(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (lon >= VIETNAM_LON[0]) & (lon <= VIETNAM_LON[1]) & (lat >= VIETNAM_LAT[0]) & (lat <= VIETNAM_LAT[1])
