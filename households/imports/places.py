"""Where each row of a house-number file lands: the ward and khu phố holding its point (one SQL statement for
the whole file), its street among the ward's, numbers listed twice, and the numbers the streets already hold."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db import connection, transaction

from gisportal.demo import copy_rows
from households import house_rows
from households.addresses import fuzzy, street_key
from households.addresses.ward_names import WardNames
from households.imports.state import ImportState
from households.models import Street

IDENTICAL_M = 1.0  # a number listed twice within this distance is one house typed twice


class Placement(ImportState):
    """The stages of an import that place rows among wards, streets and the numbers already filed."""

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
        for k in idx:
            i = int(k)
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
            wanted = self.street_keys[i]
            if i in self.issues.bad or not self.ward[i] or wanted is None:
                continue
            ward = int(self.ward[i])
            found = by_key.get((ward, wanted))
            if found is None:
                near, _ratio = fuzzy.closest(wanted, keys_of_ward[ward], floor=0.6)
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
            self.street[i] = found.id

    def _duplicates_and_existing(self) -> None:
        """Numbers twice in the file; numbers the street already has (moved → update, else unchanged)."""
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for i in np.flatnonzero(self.street):
            groups[(int(self.street[i]), self.number(int(i)).canonical())].append(int(i))
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
