"""Building the 2025 reference table (``layers/reference/hcmc_units_2025.csv``) from public compilations.

Inputs, read once by a developer and never by tests or at run time:

- a compilation of Resolution 1685/NQ-UBTVQH15 (a JSON list of the 168 units: new name, type, area,
  former district(s) and province, predecessor names comma-separated with a district in brackets
  where names repeat, and a five-digit code);
- the GSO list of the old city (dvhcvn: 22 districts, 273 wards with codes, as of 1 March 2025);
- optionally the 2019 ward polygons (cityscope, GSO codes ``Com_ID``), only to cross-check codes.

Predecessor names are matched to the GSO list of the old city: a name with its own bracketed district
is looked for there; a bracket at the end of a run ('Phường 1, Phường 2 (Quận 3)') also applies to the
names before it, but only where the name exists in that district (the compilation also writes
'Thị trấn Tân Túc, …, Phường 16 (Quận 8)'); otherwise among the unit's former districts. The former
Bình Dương and Bà Rịa–Vũng Tàu have no code list among our sources: their units get stable local codes
(province code, a hash of district and name) and the closing note says so. Every doubt is returned as
a note, never resolved by a guess.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from gisportal.text import fold, nfc
from layers.units.units2025_table import bare  # one folding of unit names for the table and its build

COLUMNS = [
    "period",
    "level",
    "code",
    "name",
    "kind",
    "area_km2",
    "parent",
    "former_districts",
    "province",
    "predecessors",
]
PROVINCES = {"TP.HCM": ("79", "Thành phố Hồ Chí Minh"), "Bình Dương": ("74", "Bình Dương")}
PROVINCES["Bà Rịa - Vũng Tàu"] = ("77", "Bà Rịa - Vũng Tàu")
NEW_KINDS = {"Phường": "phuong", "Xã": "xa", "Đặc khu": "dac_khu"}
# Longest first: 'thị trấn' before anything shorter.
WARD_PREFIXES = [("thi tran ", "thi_tran"), ("phuong ", "phuong"), ("xa ", "xa"), ("dac khu ", "dac_khu")]
DISTRICT_PREFIXES = [("thanh pho ", "thanh_pho"), ("thi xa ", "thi_xa"), ("quan ", "quan"), ("huyen ", "huyen")]
_BRACKET = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")


def district_name(text: str) -> str:
    """'TP. Thủ Đức' → 'Thành phố Thủ Đức'; 'quận Bình Thạnh' → 'Quận Bình Thạnh'."""
    text = nfc(text)
    text = re.sub(r"^(TP\.?|Tp\.?)\s*", "Thành phố ", text)
    return text[:1].upper() + text[1:]


def kind_of(name: str, prefixes: list[tuple[str, str]], default: str) -> str:
    key = fold(name)
    return next((kind for prefix, kind in prefixes if key.startswith(prefix)), default)


def local_code(province: str, district: str, name: str) -> str:
    """A stable code for a unit with no GSO code in our sources: province code, '-', 8 hex of district|name."""
    digest = hashlib.sha1(f"{bare(district)}|{bare(name)}".encode()).hexdigest()[:8]
    return f"{province}-{digest}"


@dataclass
class Build:
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def _gso(dvhcvn: dict) -> tuple[dict, dict]:
    """GSO list → (district code → (name, kind)), (ward code → (name, district code))."""
    districts, wards = {}, {}
    for d in dvhcvn["level2s"]:
        districts[d["level2_id"]] = nfc(d["name"])
        for w in d["level3s"]:
            wards[w["level3_id"]] = (nfc(w["name"]), d["level2_id"])
    return districts, wards


def build(compilation: list[dict], dvhcvn: dict, cityscope: dict[str, str] | None = None) -> Build:
    """The reference rows and every note of doubt. ``cityscope``: 2019 code → ASCII name, for cross-checks."""
    out = Build()
    districts, wards = _gso(dvhcvn)
    district_by_key = {bare(name): code for code, name in districts.items()}
    wards_by_bare: dict[str, list[str]] = defaultdict(list)
    for code, (name, _d) in wards.items():
        wards_by_bare[bare(name)].append(code)

    other_districts: dict[tuple[str, str], str] = {}  # (province, bare name) → name, Bình Dương and BR–VT
    other_wards: dict[str, dict] = {}  # local code → row
    current_rows: list[dict[str, str]] = []
    used: Counter[str] = Counter()
    for unit in compilation:
        province, _pname = PROVINCES[unit["TinhTPCu"]]
        kind = NEW_KINDS[unit["LoaiDonVi"]]
        name = nfc(unit["XaPhuongMoi"])
        if not fold(name).startswith(fold(unit["LoaiDonVi"]) + " "):
            name = f"{unit['LoaiDonVi']} {name}"
        former = [district_name(d) for d in unit["DonViCu"].split(",")]
        tokens = [nfc(t) for t in unit["XaPhuongTruocSapNhap"].split(",") if t.strip()]
        if fold(unit["XaPhuongTruocSapNhap"]) == "khong sap nhap":
            tokens = [name]
        parsed: list[tuple[str, str | None, str | None]] = []  # (name, its own district, its run's)
        pending: list[str] = []
        for token in tokens:  # a bracket closes a run: it applies, tentatively, to the names before it
            m = _BRACKET.match(token)
            if m:
                bracket = district_name(m[2])
                parsed.extend((t, None, bracket) for t in pending)
                parsed.append((m[1], bracket, bracket))
                pending = []
            else:
                pending.append(token)
        parsed.extend((t, None, None) for t in pending)
        codes = []
        for pname, own, run in parsed:
            if province == "79":
                code = _old_city_ward(pname, own, run, former, wards, wards_by_bare, district_by_key)
                if code is None:
                    out.notes.append(f"{unit['Code']} {name}: predecessor {pname!r} not found in the GSO list")
                    continue
            else:
                district = own or (former[0] if len(former) == 1 else "")
                if not district and run and run in former:
                    district = run
                if not district:
                    out.notes.append(
                        f"{unit['Code']} {name}: predecessor {pname!r} is in one of {', '.join(former)}; "
                        "the compilation does not say which, so it has no district"
                    )
                if district:
                    other_districts.setdefault((province, bare(district)), district)
                code = local_code(province, district, pname)
                other_wards.setdefault(
                    code,
                    {
                        "period": "former",
                        "level": "ward",
                        "code": code,
                        "name": _ward_name(pname),
                        "kind": kind_of(_ward_name(pname), WARD_PREFIXES, "phuong"),
                        "parent": local_code(province, "", district) if district else "",
                        "province": province,
                    },
                )
            if code not in codes:
                codes.append(code)
                used[code] += 1
        if unit["Code"] not in codes and province == "79":
            keeper = wards.get(unit["Code"], ("?", ""))[0]
            out.notes.append(
                f"{unit['Code']} {name}: its code is not one of its predecessors' (GSO {unit['Code']} is "
                f"{keeper} of {districts.get(wards.get(unit['Code'], ('', ''))[1], '?')})"
            )
        current_rows.append(
            {
                "period": "current",
                "level": "ward",
                "code": unit["Code"],
                "name": name,
                "kind": kind,
                "area_km2": f"{float(unit['DienTich']):.2f}",
                "former_districts": ", ".join(former),
                "province": province,
                "predecessors": ";".join(codes),
            }
        )
        out.counts[f"type {kind}"] += 1
        out.counts[f"from {unit['TinhTPCu']}"] += 1

    for code, dname in sorted(districts.items()):
        out.rows.append(_district_row(code, dname, "79"))
    for (province, _key), dname in sorted(other_districts.items()):
        out.rows.append(_district_row(local_code(province, "", dname), dname, province))
    for code, (wname, dcode) in sorted(wards.items()):
        kind = kind_of(wname, WARD_PREFIXES, "phuong")
        out.rows.append(
            {"period": "former", "level": "ward", "code": code, "name": wname, "kind": kind, "parent": dcode}
            | {"province": "79"}
        )
        if not used[code]:
            out.notes.append(f"GSO ward {code} {wname} ({districts[dcode]}) is the predecessor of no 2025 unit")
    out.rows.extend(other_wards[c] for c in sorted(other_wards))
    out.rows.extend(current_rows)
    out.counts["split predecessors"] = sum(1 for n in used.values() if n > 1)
    out.counts["former wards"] = len(wards) + len(other_wards)
    out.counts["former districts"] = len(districts) + len(other_districts)
    if cityscope is not None:
        out.notes.extend(_cityscope_notes(cityscope, wards))
    seen = Counter(r["code"] for r in current_rows)
    out.notes.extend(f"code {c} is given to {n} units" for c, n in seen.items() if n > 1)
    return out


def _ward_name(text: str) -> str:
    """'Rạch Ông' (written without its level) → 'Phường Rạch Ông' is NOT guessed: the name is kept as written."""
    return nfc(text)


def _district_row(code: str, name: str, province: str) -> dict:
    kind = kind_of(name, DISTRICT_PREFIXES, "quan")
    return {"period": "former", "level": "district", "code": code, "name": name, "kind": kind, "province": province}


def _old_city_ward(
    name: str,
    own: str | None,
    run: str | None,
    former: list[str],
    wards: dict,
    wards_by_bare: dict,
    district_by_key: dict,
) -> str | None:
    """The GSO code of an old-city predecessor, or None when not exactly one ward fits."""
    candidates = wards_by_bare.get(bare(name), [])
    exact = [c for c in candidates if fold(wards[c][0]) == fold(name)] or candidates

    def within(district: str | None) -> list[str]:
        code = district_by_key.get(bare(district or ""))
        return [c for c in exact if wards[c][1] == code]

    if own:
        found = within(own)
        return found[0] if len(found) == 1 else None
    if run and len(found := within(run)) == 1:
        return found[0]
    found = [c for d in former for c in within(d)]
    return found[0] if len(found) == 1 else None


def _cityscope_notes(cityscope: dict[str, str], wards: dict) -> list[str]:
    """Where the 2019 polygons' code names another ward than the GSO list of 2025."""
    notes = []
    for code, (name, _d) in sorted(wards.items()):
        if code not in cityscope:
            notes.append(f"GSO ward {code} {name} has no 2019 polygon")
            continue
        old = fold(cityscope[code]).replace("ward ", "")
        if old != bare(name):
            notes.append(f"code {code}: 2019 polygon is named {cityscope[code]!r}, GSO 2025 {name!r}")
    return notes


def write(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})


def build_from_files(compilation: Path, dvhcvn: Path, cityscope: Path | None = None) -> Build:
    names = None
    if cityscope is not None:
        import geopandas as gpd  # heavy: only when cross-checking against the polygons

        frame = gpd.read_file(cityscope, ignore_geometry=True)
        names = {str(int(r.Com_ID)): str(r.Com_Name) for r in frame.itertuples()}
    return build(json.loads(compilation.read_text()), json.loads(dvhcvn.read_text()), names)
