"""A ward-defined layer through the generic GIS files and GDAL: import (preview, columns mapped onto the fields by
name or title, all or nothing), export in every format without private fields, and the OGC API read by GDAL's
OAPIF driver (what QGIS uses) against the live server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile

import geopandas as gpd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from shapely.geometry import Point

from layers.themes.models import ThemeFeature
from tests.layers.themes.helpers import add, as_role, define, lamp

PHONE = "0909123456"


def upload(client: Client, name: str, data: bytes):
    return client.post(
        "/api/v1/layers/streetlights/imports", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )


def lamps_file(bad_row: bool = False) -> bytes:
    """Three lamps in ward A, columns named by the fields' Vietnamese titles (as an officer's file has them)."""
    rows = [
        {"Mã đèn": "DL-101", "Nguồn điện": "Năng lượng mặt trời", "Công suất (W)": 30, "SĐT người trông": PHONE},
        {"Mã đèn": "DL-102", "Nguồn điện": "grid", "Công suất (W)": 80, "SĐT người trông": ""},
        {"Mã đèn": "DL-103", "Nguồn điện": "nuclear" if bad_row else "grid", "Công suất (W)": 80, "Ghi chú": "x"},
    ]
    points = [Point(106.6945, 10.7795), Point(106.6955, 10.7805), Point(106.696, 10.781)]
    return gpd.GeoDataFrame(rows, geometry=points, crs=4326).to_json().encode()


def test_import_maps_columns_onto_fields_and_is_all_or_nothing(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")

    refused = upload(officer, "lamps.geojson", lamps_file(bad_row=True))
    assert refused.status_code == 201, refused.json()
    report = refused.json()
    assert report["columns"] == {
        "Mã đèn": "code",
        "Nguồn điện": "power",
        "Công suất (W)": "watts",
        "SĐT người trông": "caretaker_phone",
    }
    assert "Ghi chú" in report["ignored_columns"]
    assert report["failed_rows"] == 1
    assert "nuclear" in report["problems"][0]["message"]
    commit = officer.post(f"/api/v1/layers/streetlights/imports/{report['id']}/commit")
    assert commit.status_code == 400 and commit.json()["error"] == "import_refused"
    assert not ThemeFeature.objects.exists()

    ok = upload(officer, "lamps.geojson", lamps_file()).json()
    assert ok["failed_rows"] == 0, ok["problems"]
    done = officer.post(f"/api/v1/layers/streetlights/imports/{ok['id']}/commit")
    assert done.status_code == 200, done.json()
    stored = {f.values["code"]: f.values for f in ThemeFeature.objects.all()}
    assert stored["DL-101"] == {"code": "DL-101", "power": "solar", "watts": 30, "caretaker_phone": PHONE}
    # Imported rows have a history from version 1, by the officer who imported them.
    first = ThemeFeature.objects.get(values__code="DL-101")
    assert first.history.get().history_user == world.users["ward_officer"]


def test_the_officer_chooses_which_column_fills_which_field(world):
    """Columns the server cannot match by name ("Ghi chú" is a note, "Số hiệu" the lamp's code) are mapped by the
    officer on the form; the choice holds through the commit, and a malformed choice is a 400."""
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    rows = [{"Số hiệu": "DL-201", "Loại": "grid", "Ghi chú": "x"}, {"Số hiệu": "DL-202", "Loại": "solar"}]
    data = gpd.GeoDataFrame(rows, geometry=[Point(106.6945, 10.7795), Point(106.6955, 10.7805)], crs=4326)
    data = data.to_json().encode()

    unmapped = upload(officer, "den.geojson", data).json()
    assert unmapped["columns"] == {} and {"Số hiệu", "Loại"} <= set(unmapped["ignored_columns"])
    assert unmapped["failed_rows"] == 2  # the code is required

    mapping = json.dumps({"Số hiệu": "code", "Loại": "power", "Ghi chú": ""})
    sent = {"file": SimpleUploadedFile("den.geojson", data), "mapping": mapping}
    mapped = officer.post("/api/v1/layers/streetlights/imports", sent, format="multipart").json()
    assert mapped["columns"] == {"Số hiệu": "code", "Loại": "power"}, mapped
    assert "Ghi chú" in mapped["ignored_columns"] and mapped["failed_rows"] == 0, mapped["problems"]
    done = officer.post(f"/api/v1/layers/streetlights/imports/{mapped['id']}/commit")
    assert done.status_code == 200, done.json()
    assert sorted(f.values["code"] for f in ThemeFeature.objects.all()) == ["DL-201", "DL-202"]

    bad = {"file": SimpleUploadedFile("den.geojson", data), "mapping": "[1, 2]"}
    refused = officer.post("/api/v1/layers/streetlights/imports", bad, format="multipart")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_mapping"
    assert "ghép cột" in refused.json()["message"]


def test_a_citizen_cannot_import(world):
    assert define(world).status_code == 201
    assert upload(as_role(world, "land_officer"), "lamps.geojson", lamps_file()).status_code == 403


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "gpx", "csv", "xlsx"])
def test_export_in_every_format_without_private_fields(world, fmt):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    for i, power in enumerate(["solar", "grid", "grid"]):
        assert add(officer, lamp(106.694 + i * 0.001, 10.781, code=f"DL-{i}", power=power)).status_code == 201
    # The officer's own export is the public one too: private fields never leave through exports.
    for client in (Client(), officer):
        response = client.get(f"/api/v1/layers/streetlights/export.{fmt}")
        assert response.status_code == 200, response.content[:300]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "shp":
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                body = b"".join(zf.read(n) for n in zf.namelist())
        elif fmt == "xlsx":
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                body = b"".join(zf.read(n) for n in zf.namelist())
        assert PHONE.encode() not in body
        assert b"caretaker" not in body
        if fmt in ("geojson", "csv", "kml", "gpx"):
            assert b"DL-2" in body
        if fmt == "geojson":
            assert len(json.loads(body)["features"]) == 3


def gdal(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


def test_gdal_reads_the_layer_through_ogc_api(live_world, live_server, tmp_path):
    assert define(live_world).status_code == 201
    officer = as_role(live_world, "ward_officer")
    for i in range(7):
        assert add(officer, lamp(106.693 + i * 0.0007, 10.781, code=f"DL-{i:02d}")).status_code == 201
    assert "streetlights" in gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogc/")
    out = tmp_path / "lamps.geojson"
    gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server.url}/ogc/", "streetlights", "-oo", "PAGE_SIZE=3")
    features = json.loads(out.read_text())["features"]
    assert sorted(f["properties"]["code"] for f in features) == [f"DL-{i:02d}" for i in range(7)]
    assert set(features[0]["properties"]) >= {"code", "power", "watts", "working"}
    assert PHONE not in out.read_text() and "installed" not in out.read_text()
