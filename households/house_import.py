"""Import house numbers from a file, all or nothing, with the standardisation report.

The file is read whole (``house_files``), then every row is checked with array operations: each
distinct address or number string is parsed once; coordinates go through one PROJ call per CRS
(PROJ's own EPSG transformation, never a hand-written ``+towgs84``); every point finds its ward and
khu phố in one SQL statement. A row that cannot be stored rejects the whole file: the import row
keeps the report (each rejected row and why) and nothing else is written. Otherwise new numbers go
in by COPY, moved ones are updated (version + 1), and each gets its history row, in one transaction.

Vietnamese survey files write X as the northing and Y as the easting: columns ``x``/``y`` of a VN-2000
file are read that way; ``easting``/``northing`` say it outright. WGS 84 wants ``lat``/``lon``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gisportal.demo import copy_rows
from gisportal.errors import Conflict, PortalError, body
from households import fuzzy, house_files, house_rows, import_crs, reports
from households.addresses import AddressError, parse_address, parse_house_number, street_key
from households.addresses import HouseNumber as Number
from households.import_issues import Issues
from households.models import HouseImport, HouseNumber, Street
from households.ward_names import WardNames
from layers import history as feature_history
from layers.crs import UTM48N, VIETNAM_LAT, VIETNAM_LON, WGS84, transformer
from layers.models import AdminUnit
from layers.text import fold, nfc

IDENTICAL_M = 1.0  # a number listed twice within this distance is one house typed twice
MOVED_DEG = 1e-7  # ~1 cm: a point re-typed with fewer decimals has not moved
LOCK_KEY = 0x5_0A_4E  # pg_advisory_xact_lock: one import writes at a time
MAX_LENGTH = {"number": 80, "street": 120, "address": 300, "ward": 120, "khu_pho": 120}

_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Progress = Callable[[str, int], None]


def run_import(
    job: HouseImport, path: str | Path, *, allowed_wards: set[int] | None = None, progress: Progress | None = None
) -> HouseImport:
    """Check and (unless a dry run) write one file; the job row ends done, checked, rejected or failed.

    ``allowed_wards``: the wards the uploader edits (None: any). A file-level problem (format, header,
    CRS, size) raises its PortalError after the job is marked failed.
    """
    started = time.perf_counter()

    def step(stage: str, pct: int) -> None:
        HouseImport.objects.filter(pk=job.pk).update(stage=stage, progress=pct, status=HouseImport.Status.RUNNING)
        if progress:
            progress(stage, pct)

    try:
        outcome = _Import(job, Path(path), allowed_wards, step).run()
    except PortalError as exc:
        job.status = HouseImport.Status.FAILED
        job.error = body(exc.code, exc.message, exc.message_en, exc.details)
        job.finished_at = timezone.now()
        job.seconds = time.perf_counter() - started
        job.save()
        raise
    outcome.seconds = time.perf_counter() - started
    outcome.finished_at = timezone.now()
    outcome.progress = 100
    outcome.stage = ""
    outcome.save()
    return outcome


class _Import:
    """One run: arrays over the file's rows, filled stage by stage."""

    def __init__(self, job: HouseImport, path: Path, allowed_wards: set[int] | None, step: Callable) -> None:
        self.job, self.path, self.allowed, self.step = job, path, allowed_wards, step
        self.issues = Issues()
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 3)
        self._t = now

    def run(self) -> HouseImport:
        self.step("reading", 5)
        table = house_files.read_table(self.path, self.job.file_name)
        self.table, self.n = table, len(table)
        self.row_no = table.rows
        self._lap("read")
        self.step("parsing", 20)
        self._texts()
        self._addresses()
        self._lap("parse")
        self.step("coordinates", 40)
        self._crs()
        self._coordinates()
        self._lap("transform")
        self.step("wards", 55)
        self._wards()
        self._lap("wards")
        self.step("streets", 65)
        self._streets()
        self._duplicates_and_existing()
        self._lap("match")
        self.step("checks", 75)
        self._standardisation()
        self._lap("checks")
        return self._finish()

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
                lat, lon = float(self.lat[i]), float(self.lon[i])
                if not (np.isfinite(lat) and np.isfinite(lon)):
                    lat, lon = float(north[i]), float(east[i])
                self.issues.add("outside_vietnam", int(i), self.row_no[i], lat=lat, lon=lon)
        self.placed = ok & inside
        self.lon[~self.placed] = np.nan
        self.lat[~self.placed] = np.nan
        x, y = transformer(WGS84, UTM48N).transform(np.nan_to_num(self.lon), np.nan_to_num(self.lat))
        self.x, self.y = np.asarray(x), np.asarray(y)

    # --- wards and streets --------------------------------------------------------------------------

    def _wards(self) -> None:
        """Ward and khu phố of every point (one SQL statement), checked against the target and the row's own ward."""
        idx = np.flatnonzero(self.placed)
        self.ward = np.zeros(self.n, dtype=np.int64)
        self.khu_pho = np.zeros(self.n, dtype=np.int64)
        found = locate(self.lon[idx], self.lat[idx])
        for k, (ward, kp) in zip(idx, found, strict=True):
            self.ward[k], self.khu_pho[k] = ward or 0, kp or 0
        names = WardNames.load()
        self.ward_names = names.names
        target = self.job.ward_id
        resolved: dict[tuple, set[int]] = {}
        for i in idx:
            i = int(i)
            lat, lon = float(self.lat[i]), float(self.lon[i])
            ward = int(self.ward[i])
            if not ward:
                self.issues.add("no_ward", i, self.row_no[i], lat=lat, lon=lon)
                continue
            here = names.names.get(ward, str(ward))
            if target and ward != target:
                expected = names.names.get(target, str(target))
                self.issues.add("outside_ward", i, self.row_no[i], found=here, expected=expected, lat=lat, lon=lon)
                continue
            if self.allowed is not None and ward not in self.allowed:
                expected = "các phường bạn phụ trách / the wards you serve"
                self.issues.add("outside_ward", i, self.row_no[i], found=here, expected=expected, lat=lat, lon=lon)
                continue
            ward_key, district_key, text = self.ward_hint[i]
            if ward_key:
                key = (ward_key, district_key)
                if key not in resolved:
                    wards = names.by_codes[text] if text in names.by_codes else names.resolve(ward_key, district_key)[0]
                    resolved[key] = wards
                if not resolved[key]:
                    self.issues.add("unknown_ward_name", i, self.row_no[i], value=text)
                elif ward not in resolved[key]:
                    self.issues.add("outside_ward", i, self.row_no[i], found=here, expected=text, lat=lat, lon=lon)

    def _streets(self) -> None:
        """The street of every row, looked up by key among its ward's streets."""
        wards = {int(w) for w in np.unique(self.ward) if w}
        by_key: dict[tuple[int, str], Street] = {}
        keys_of_ward: dict[int, list[str]] = defaultdict(list)
        for street in Street.objects.filter(ward_id__in=wards):
            key = street_key(street.name) or street.name_folded
            by_key[(street.ward_id, key)] = street
            keys_of_ward[street.ward_id].append(key)
        self.streets = {s.id: s for s in by_key.values()}
        self.street = np.zeros(self.n, dtype=np.int64)
        for i in range(self.n):
            if i in self.issues.bad or not self.ward[i] or self.street_keys[i] is None:
                continue
            ward = int(self.ward[i])
            street = by_key.get((ward, self.street_keys[i]))
            if street is None:
                near, _ratio = fuzzy.closest(self.street_keys[i], keys_of_ward[ward], floor=0.6)
                hint = by_key[(ward, near)].name if near else None
                self.issues.add(
                    "unknown_street",
                    i,
                    self.row_no[i],
                    ward=self.ward_names.get(ward, str(ward)),
                    value=self.street_text[i],
                    hint_vi=f" (có phải '{hint}'?)" if hint else "",
                    hint_en=f" (did you mean {hint!r}?)" if hint else "",
                )
                continue
            self.street[i] = street.id

    def _duplicates_and_existing(self) -> None:
        """Numbers twice in the file; numbers the street already has (moved → update, else unchanged)."""
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for i in np.flatnonzero(self.street):
            groups[(int(self.street[i]), self.numbers[i].canonical())].append(int(i))
        self.keep: dict[tuple[int, str], int] = {}
        for (street, number), rows in groups.items():
            first = rows[0]
            spread = max(np.hypot(self.x[r] - self.x[first], self.y[r] - self.y[first]) for r in rows)
            name = self.streets[street].name
            if spread <= IDENTICAL_M:
                for r in rows[1:]:
                    self.issues.add(
                        "duplicate_identical", r, self.row_no[r], value=number, street=name, first=self.row_no[first]
                    )
                self.keep[(street, number)] = first
            else:
                listed = ", ".join(str(self.row_no[r]) for r in rows)
                for r in rows:
                    self.issues.add("duplicate", r, self.row_no[r], value=number, street=name, rows=listed)
        self.existing = existing_numbers(list({s for s, _ in self.keep}))

    def _standardisation(self) -> None:
        """Far from their street, out of sequence: over what the touched streets will hold after the import."""
        final: dict[tuple[int, str], reports.Placed] = {}
        for (street, number), (pk, _lon, _lat, x, y, _kp, main, suffix, prefix, alleys) in self.existing.items():
            house = Number(main, suffix, tuple(alleys), prefix)
            final[(street, number)] = reports.Placed(("id", pk), street, house, x, y)
        mine = []
        for key, i in self.keep.items():
            if i in self.issues.bad:
                continue
            placed = reports.Placed(("row", i), key[0], self.numbers[i], float(self.x[i]), float(self.y[i]))
            final[key] = placed
            mine.append(placed)
        streets_m = reports.streets_metric(list({s for s, _ in final}))
        for p, distance in reports.far_from_street(mine, streets_m):
            i = p.key[1]
            name = self.streets[p.street].name
            value = p.number.canonical()
            self.issues.add("far_from_street", None, self.row_no[i], value=value, street=name, distance=distance)
        for p in reports.out_of_sequence(list(final.values()), streets_m):
            kind, ref = p.key
            name = self.streets[p.street].name if p.street in self.streets else str(p.street)
            if kind == "row":
                self.issues.add("out_of_sequence", None, self.row_no[ref], value=p.number.canonical(), street=name)
            else:
                self.issues.add("out_of_sequence", None, None, value=p.number.canonical(), street=name, id=ref)

    # --- writing ------------------------------------------------------------------------------------

    def _finish(self) -> HouseImport:
        job = self.job
        new, moved, unchanged = [], [], 0
        for key, i in self.keep.items():
            old = self.existing.get(key)
            if old is None:
                new.append(i)
            elif (
                abs(old[1] - self.lon[i]) > MOVED_DEG
                or abs(old[2] - self.lat[i]) > MOVED_DEG
                or (old[5] or 0) != self.khu_pho[i]
            ):
                moved.append((old[0], i))
            else:
                unchanged += 1
        job.rows = self.n
        job.rejected = len(self.issues.bad)
        job.created, job.updated, job.unchanged = len(new), len(moved), unchanged
        if job.rejected or job.dry_run:
            job.status = HouseImport.Status.REJECTED if job.rejected else HouseImport.Status.CHECKED
            if job.rejected:
                job.created = job.updated = job.unchanged = 0
        else:
            self.step("writing", 85)
            self._write(new, moved)
            job.status = HouseImport.Status.DONE
        self._lap("write")
        job.report = self._report()
        return job

    def _address(self, i: int, street: Street) -> str:
        kp = self.kp_names.get(int(self.khu_pho[i]))
        ward = self.ward_names.get(int(self.ward[i]), "")
        return house_rows.canonical_address(self.numbers[i].canonical(), street.name, kp, ward)

    def _write(self, new: list[int], moved: list[tuple[int, int]]) -> None:
        kp_ids = {int(k) for k in np.unique(self.khu_pho) if k}
        self.kp_names = dict(AdminUnit.objects.filter(id__in=kp_ids).values_list("id", "name"))
        job = self.job
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                ids = house_rows.reserve_ids(house_rows.HOUSE_TABLE, len(new))
                geoms = house_rows.ewkb_hex(self.lon[new], self.lat[new]) if new else []
                rows = (
                    house_rows.house_row(
                        pk,
                        int(self.ward[i]),
                        int(self.khu_pho[i]) or None,
                        int(self.street[i]),
                        self.numbers[i],
                        self._address(i, self.streets[int(self.street[i])]),
                        g,
                        HouseNumber.Source.IMPORT,
                        job.pk,
                    )
                    for pk, i, g in zip(ids, new, geoms, strict=True)
                )
                copy_rows(house_rows.HOUSE_TABLE, house_rows.HOUSE_COLUMNS, rows)
                if moved:
                    rows_moved = [i for _, i in moved]
                    geoms = house_rows.ewkb_hex(self.lon[rows_moved], self.lat[rows_moved])
                    updates = [
                        (pk, g, int(self.khu_pho[i]) or None, self._address(i, self.streets[int(self.street[i])]))
                        for (pk, i), g in zip(moved, geoms, strict=True)
                    ]
                    _update_moved(job.pk, updates)
                write_history(job.pk, job.user_id, f"import #{job.pk}")
                if len(new) > 10_000:
                    with connection.cursor() as cur:
                        cur.execute("ANALYZE households_housenumber")
        except IntegrityError as exc:
            # Another import (or an edit) filed one of these numbers between our check and our write.
            raise Conflict(
                "Một số nhà trong tệp vừa được nhập bởi người khác; hãy nhập lại tệp.",
                "A number in the file was just filed by someone else; import the file again.",
                {"reason": str(exc).splitlines()[0]},
            ) from exc

    def _report(self) -> dict:
        rejections = self.issues.section(warnings=False)
        warnings = self.issues.section(warnings=True)
        count = lambda code: self.issues.items.get(code, []).__len__()  # noqa: E731
        return {
            "file": self.job.file_name,
            "rows": self.n,
            "crs": self.crs_counts,
            "ward": self.job.ward_id,
            "created": self.job.created,
            "updated": self.job.updated,
            "unchanged": self.job.unchanged,
            "rejected": self.job.rejected,
            "rejections": rejections,
            "warnings": warnings,
            "standardisation": {
                "duplicates": count("duplicate") + count("duplicate_identical"),
                "unparseable": count("unparseable") + count("names_alley"),
                "outside_ward": count("outside_ward") + count("no_ward"),
                "far_from_street": count("far_from_street"),
                "out_of_sequence": count("out_of_sequence"),
            },
            "ignored_columns": self.table.ignored_columns,
            "seconds": self.timings,
        }


# --- SQL --------------------------------------------------------------------------------------------

# Each point's ward and khu phố in force today: the one statement behind the whole file's placement.
_LOCATE = """
SELECT DISTINCT ON (p.i) p.i, w.id, k.id
  FROM house_import_points p
  JOIN layers_adminunit w
    ON w.level = 'ward' AND w.valid_from <= %(day)s AND (w.valid_to IS NULL OR w.valid_to >= %(day)s)
   AND ST_Covers(w.boundary, p.geom)
  LEFT JOIN layers_adminunit k
    ON k.level = 'khu_pho' AND k.parent_id = w.id AND k.valid_from <= %(day)s
   AND (k.valid_to IS NULL OR k.valid_to >= %(day)s) AND ST_Covers(k.boundary, p.geom)
 ORDER BY p.i, w.id, k.id
"""


def locate(lon: np.ndarray, lat: np.ndarray, day: dt.date | None = None) -> list[tuple[int | None, int | None]]:
    """(ward id, khu phố id) in force on ``day`` for each point; (None, None) outside every ward."""
    out: list[tuple[int | None, int | None]] = [(None, None)] * len(lon)
    if not len(lon):
        return out
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE house_import_points (i int, geom geometry(Point, 4326)) ON COMMIT DROP")
        points = zip(range(len(lon)), house_rows.ewkb_hex(lon, lat), strict=True)
        copy_rows("house_import_points", ["i", "geom"], points)
        cur.execute("ANALYZE house_import_points")
        cur.execute(_LOCATE, {"day": day or dt.date.today()})
        for i, ward, kp in cur.fetchall():
            out[i] = (ward, kp)
        # Dropped now, not only at commit: inside an outer transaction (a test, a caller's atomic) a second
        # call would find it still there.
        cur.execute("DROP TABLE house_import_points")
    return out


_EXISTING = """
SELECT street_id, number, id, ST_X(geom), ST_Y(geom), ST_X(geom_m), ST_Y(geom_m), khu_pho_id,
       main, main_suffix, prefix, alleys
  FROM households_housenumber
 WHERE status = 'active' AND street_id = ANY(%s)
"""


def existing_numbers(street_ids: list[int]) -> dict[tuple[int, str], tuple]:
    """(street, number) → (id, lon, lat, x, y, khu phố, main, suffix, prefix, alleys) of the live numbers."""
    if not street_ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(_EXISTING, [street_ids])
        return {
            (street, number): (pk, lon, lat, x, y, kp, main, suffix, prefix, alleys)
            for street, number, pk, lon, lat, x, y, kp, main, suffix, prefix, alleys in cur.fetchall()
        }


def _update_moved(import_id: int, rows: list[tuple]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE house_import_moved (id bigint, geom geometry(Point, 4326), khu_pho_id bigint,"
            " address text) ON COMMIT DROP"
        )
        copy_rows("house_import_moved", ["id", "geom", "khu_pho_id", "address"], rows)
        # Numbers written before history rows existed keep their place before this move as version 1.
        feature_history.ensure_baselines_sql(cur, HouseNumber, [r[0] for r in rows])
        cur.execute(
            """UPDATE households_housenumber h
                  SET geom = m.geom, khu_pho_id = m.khu_pho_id, address = m.address,
                      version = h.version + 1, house_import_id = %s
                 FROM house_import_moved m WHERE h.id = m.id""",
            [import_id],
        )
        cur.execute("DROP TABLE house_import_moved")


def write_history(import_id: int, user_id: int | None, reason: str) -> None:
    """One history row per number this import created ('+') or moved ('~'), in one statement."""
    historical = HouseNumber.history.model
    columns = [f.column for f in HouseNumber._meta.concrete_fields if not f.generated]
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {historical._meta.db_table}
                   ({cols}, history_date, history_type, history_user_id, history_change_reason)
                SELECT {cols}, now(), CASE WHEN version = 1 THEN '+' ELSE '~' END, %s, %s
                  FROM households_housenumber WHERE house_import_id = %s""",
            [user_id, reason, import_id],
        )


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
