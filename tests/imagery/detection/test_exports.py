"""Confirmed violations exported as GeoJSON, KML and XLSX: each parses and holds exactly the confirmed flags."""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree as ET

from django.test import Client
from openpyxl import load_workbook

from imagery.detection import runs
from imagery.detection.models import ChangeFlag
from tests.imagery.detection.scene import make_pair

FLAGS = "/api/v1/detection/flags/"
KML = "{http://www.opengis.net/kml/2.2}"


def test_exports_hold_the_confirmed_flags(world, tmp_path):
    pair = make_pair(world.ward_a, tmp_path)
    run = runs.run_inline(
        runs.start_run(before=pair.before, after=pair.after, ward=world.ward_a, area=world.ward_a.boundary, queue=False)
    )
    flags = list(ChangeFlag.objects.filter(run=run).order_by("id"))
    officer = Client()
    officer.force_login(world.users["land_officer"])
    notes = {flags[0].pk: '=HYPERLINK("http://x")', flags[1].pk: "Nhà 3 tầng <không phép> & lấn chiếm"}
    for pk, note in notes.items():
        answer = officer.post(
            f"{FLAGS}{pk}/decide", {"action": "confirm", "note": note, "version": 1}, content_type="application/json"
        )
        assert answer.status_code == 200
    officer.post(f"{FLAGS}{flags[2].pk}/decide", {"action": "dismiss", "version": 1}, content_type="application/json")
    confirmed = set(notes)

    geo = officer.get(f"{FLAGS}export.geojson?ward={world.ward_a.pk}")
    assert geo.status_code == 200 and geo["Content-Type"] == "application/geo+json"
    data = json.loads(geo.content)
    assert {f["id"] for f in data["features"]} == confirmed
    feature = next(f for f in data["features"] if f["id"] == flags[1].pk)
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["note"] == notes[flags[1].pk]
    assert feature["properties"]["decided_by"] == "land_a" and feature["properties"]["area_m2"] > 20

    kml = officer.get(f"{FLAGS}export.kml")
    assert kml.status_code == 200 and "attachment" in kml["Content-Disposition"]
    root = ET.fromstring(kml.content)
    marks = root.findall(f".//{KML}Placemark")
    assert {m.get("id") for m in marks} == {f"flag-{pk}" for pk in confirmed}
    texts = [m.find(f"{KML}description").text for m in marks]
    assert notes[flags[1].pk] in texts  # kept as text, never as markup
    ring = marks[0].find(f".//{KML}coordinates").text.split()
    assert len(ring) >= 4 and all(len(p.split(",")) == 2 for p in ring)

    xlsx = officer.get(f"{FLAGS}export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã cờ / Flag id" and len(rows) == 1 + len(confirmed)
    assert {r[0] for r in rows[1:]} == confirmed
    cells = [c for r in rows[1:] for c in r]
    assert '\'=HYPERLINK("http://x")' in cells  # a formula in a note stays text

    leader = Client()
    leader.force_login(world.users["district_leader"])
    assert len(json.loads(leader.get(f"{FLAGS}export.geojson").content)["features"]) == len(confirmed)
    ward_officer = Client()
    ward_officer.force_login(world.users["ward_officer"])
    assert ward_officer.get(f"{FLAGS}export.xlsx").status_code == 403
