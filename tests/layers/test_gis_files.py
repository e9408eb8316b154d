"""GIS files in and out through HTTP: every format, CRS detection (VN-2000 included), preview then all-or-nothing
commit, and every kind of bad input refused with its own message and nothing written. Files made here, in code."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyproj import Transformer

from layers.models import ForestPlot, ImportJob, WastePoint
from tests.layers.world import waste_field

# Three bins inside ward A's khu phố 1 (tests/conftest.py), in WGS 84.
POINTS = [(106.6945, 10.7795, "Thùng rác chợ"), (106.6955, 10.7805, "Thùng rác trường"), (106.696, 10.781, "WC chợ")]


def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    return client


def upload(client: Client, name: str, data: bytes, layer: str = "waste_points", **fields):
    return client.post(
        f"/api/v1/layers/{layer}/imports", {"file": SimpleUploadedFile(name, data), **fields}, format="multipart"
    )


def frame(crs: int = 4326) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"kind": ["bin", "bin", "toilet"], "name": [n for *_, n in POINTS], "capacity": [240.0, 660.0, None]},
        geometry=[shapely.Point(x, y) for x, y, _ in POINTS],
        crs=4326,
    )
    return gdf.to_crs(crs) if crs != 4326 else gdf


def written(gdf: gpd.GeoDataFrame, driver: str, suffix: str, tmp_path, **options) -> bytes:
    path = tmp_path / f"f{suffix}"
    pyogrio.write_dataframe(gdf, path, driver=driver, **options)
    return path.read_bytes()


def shapefile_zip(gdf, tmp_path, drop: tuple[str, ...] = ()) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(gdf, folder / "bins.shp", driver="ESRI Shapefile", encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.iterdir():
            if part.suffix not in drop:
                zf.write(part, part.name)
    return buf.getvalue()


def assert_lands_on_the_points(tolerance_deg: float = 1e-6) -> None:
    rows = sorted(WastePoint.objects.all(), key=lambda p: p.name)
    expected = sorted(POINTS, key=lambda p: p[2])
    assert [p.name for p in rows] == [n for *_, n in expected]
    for p, (x, y, _) in zip(rows, expected, strict=True):
        assert abs(p.geom.x - x) < tolerance_deg and abs(p.geom.y - y) < tolerance_deg


def preview_and_commit(client, response, world) -> dict:
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["rows"] == 3 and report["valid_rows"] == 3 and report["problems"] == []
    assert not WastePoint.objects.exists()  # a preview writes nothing
    # The file waits for its commit in the private spool, never under MEDIA_ROOT (which nginx serves).
    stored = Path(settings.SPOOL_DIR) / "uploads" / ImportJob.objects.get(pk=report["id"]).file.name
    assert stored.is_file() and not any(Path(settings.MEDIA_ROOT).rglob("*.*"))
    done = client.post(f"/api/v1/layers/waste_points/imports/{report['id']}/commit")
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "committed" and len(done.json()["created_ids"]) == 3
    assert not stored.exists()  # an ended import keeps its report, not the file
    assert {p.ward_id for p in WastePoint.objects.all()} == {world.ward_a.pk}
    assert all(p.history.get().history_user == world.users["ward_officer"] for p in WastePoint.objects.all())
    return done.json()


def test_geojson(world):
    client = officer(world)
    preview_and_commit(client, upload(client, "bins.geojson", frame().to_json().encode()), world)
    assert_lands_on_the_points()


def test_geopackage_in_vn2000_lands_where_it_should(world, tmp_path):
    client = officer(world)
    data = written(frame(9210), "GPKG", ".gpkg", tmp_path)
    report = preview_and_commit(client, upload(client, "bins.gpkg", data), world)
    assert any("9210" in n for n in report["notes"])
    # PROJ's own EPSG transformation both ways: back on the points to the millimetre.
    assert_lands_on_the_points(1e-8)


def test_zipped_shapefile_with_its_prj(world, tmp_path):
    client = officer(world)
    preview_and_commit(client, upload(client, "bins.zip", shapefile_zip(frame(32648), tmp_path)), world)
    assert_lands_on_the_points(1e-7)


def test_shapefile_without_prj_needs_the_crs_named(world, tmp_path):
    client = officer(world)
    data = shapefile_zip(frame(32648), tmp_path, drop=(".prj",))
    refused = upload(client, "bins.zip", data)
    assert refused.status_code == 400 and refused.json()["error"] == "missing_crs"
    assert "9210" in json.dumps(refused.json()["details"])  # it lists the CRSs an officer may name
    preview_and_commit(client, upload(client, "bins.zip", data, crs="32648"), world)
    assert_lands_on_the_points(1e-7)


def test_shapefile_without_dbf_is_refused(world, tmp_path):
    refused = upload(officer(world), "bins.zip", shapefile_zip(frame(), tmp_path, drop=(".dbf",)))
    assert refused.status_code == 400 and refused.json()["error"] == "shapefile_incomplete"
    assert refused.json()["details"]["missing"] == [".dbf"]
    assert not ImportJob.objects.exists()


def test_an_unknown_crs_is_refused(world, tmp_path):
    data = shapefile_zip(frame(32648), tmp_path, drop=(".prj",))
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("bins.prj", 'LOCAL_CS["site grid",LOCAL_DATUM["x",0],UNIT["metre",1]]')
    refused = upload(officer(world), "bins.zip", buf.getvalue())
    assert refused.status_code == 400 and refused.json()["error"] == "unknown_crs"
    bad_code = upload(officer(world), "bins.geojson", frame().to_json().encode(), crs="999999")
    assert bad_code.status_code == 400 and bad_code.json()["error"] == "unknown_crs"


def test_kml_and_kmz(world, tmp_path):
    client = officer(world)
    kml = written(frame(), "KML", ".kml", tmp_path, dataset_options={"NameField": "name"})
    preview_and_commit(client, upload(client, "bins.kml", kml), world)
    WastePoint.objects.all().delete()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", kml)
    preview_and_commit(client, upload(client, "bins.kmz", buf.getvalue()), world)


def test_kml_with_a_network_link_is_refused(world):
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<NetworkLink><name>more</name><Link><href>http://169.254.169.254/latest/meta-data</href></Link></NetworkLink>
</Document></kml>"""
    refused = upload(officer(world), "bins.kml", kml)
    assert refused.status_code == 400 and refused.json()["error"] == "kml_network_link"
    assert "NetworkLink" in refused.json()["message"]


def test_gpx_waypoints(world, tmp_path):
    client = officer(world)
    gdf = frame()[["name", "geometry"]]
    data = written(gdf, "GPX", ".gpx", tmp_path, layer="waypoints")
    response = upload(client, "bins.gpx", data)
    assert response.status_code == 201
    # A GPX waypoint carries no kind: every row is refused by the model, and the preview says so per row.
    assert response.json()["valid_rows"] == 0 and response.json()["problems"][0]["error"] == "invalid_fields"


def test_csv_with_vietnamese_headers_and_decimal_commas(world):
    client = officer(world)
    lines = ["Loại;Tên;Sức chứa;Kinh độ;Vĩ độ"] + [
        f"{'bin' if i < 2 else 'toilet'};{n};{'240' if i < 2 else ''};{str(x).replace('.', ',')};{y}"
        for i, (x, y, n) in enumerate(POINTS)
    ]
    preview_and_commit(client, upload(client, "bins.csv", "\n".join(lines).encode()), world)
    assert_lands_on_the_points(1e-9)


def test_csv_in_vn2000_with_x_as_northing_as_survey_documents_write_it(world):
    to_vn = Transformer.from_crs(4326, 9210, always_xy=True)
    lines = ["kind,name,X (Bắc),Y (Đông)"]
    for x, y, n in POINTS:
        east, north = to_vn.transform(x, y)
        lines.append(f"{'toilet' if n.startswith('WC') else 'bin'},{n},{north:.3f},{east:.3f}")
    client = officer(world)
    data = "\n".join(lines).encode()
    refused = upload(client, "bins.csv", data)
    assert refused.status_code == 400 and refused.json()["error"] == "missing_crs"
    assert list(refused.json()["details"]["suggested"]) == ["9210"]  # the one that puts the rows in HCMC
    preview_and_commit(client, upload(client, "bins.csv", data, crs="EPSG:9210"), world)
    assert_lands_on_the_points(1e-7)


def test_xlsx(world, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["kind", "name", "lon", "lat"])
    for x, y, n in POINTS:
        ws.append(["toilet" if n.startswith("WC") else "bin", n, x, y])
    buf = io.BytesIO()
    wb.save(buf)
    client = officer(world)
    preview_and_commit(client, upload(client, "bins.xlsx", buf.getvalue()), world)


def test_swapped_and_outside_rows_block_the_commit_and_nothing_is_written(world):
    client = officer(world)
    rows = ["kind,name,lon,lat", "bin,Tốt,106.695,10.78", "bin,Đảo,10.78,106.695", "bin,Paris,2.35,48.85"]
    response = upload(client, "bins.csv", "\n".join(rows).encode())
    assert response.status_code == 201
    report = response.json()
    assert report["valid_rows"] == 1 and report["failed_rows"] == 2
    assert [(p["row"], p["error"]) for p in report["problems"]] == [
        (2, "swapped_coordinates"),
        (3, "outside_vietnam"),
    ]
    assert [r["problem"] is None for r in report["preview"]] == [True, False, False]
    done = client.post(f"/api/v1/layers/waste_points/imports/{report['id']}/commit")
    assert done.status_code == 400 and done.json()["error"] == "import_refused"
    assert not WastePoint.objects.exists()
    assert ImportJob.objects.get().state == "previewed"


def test_a_zip_bomb_is_refused_before_anything_inflates(world):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bins.shp", "w") as member:
        for _ in range(64):
            member.write(bytes(1 << 20))  # 64 MB of zeros: ~64 kB compressed
    assert len(buf.getvalue()) < 200_000
    refused = upload(officer(world), "bins.zip", buf.getvalue())
    assert refused.status_code == 400 and refused.json()["error"] == "zip_bomb"


def test_an_upload_over_the_size_limit_is_413(world, settings):
    settings.GIS_IMPORT_MAX_MB = 0.01
    refused = upload(officer(world), "bins.geojson", b" " * 20_000)
    assert refused.status_code == 413 and refused.json()["error"] == "too_large"


def test_unsupported_format_and_no_file(world):
    client = officer(world)
    assert upload(client, "bins.dwg", b"AC1032").json()["error"] == "unsupported_format"
    assert client.post("/api/v1/layers/waste_points/imports", {}).json()["error"] == "missing_file"


def test_self_intersecting_plots_are_repaired_only_on_request(world):
    ring = [[106.694, 10.779], [106.696, 10.779], [106.696, 10.781], [106.695, 10.781], [106.695, 10.782],
            [106.695, 10.781], [106.694, 10.781], [106.694, 10.779]]  # fmt: skip
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"code": "CG-1", "sub_zone": "Tiểu khu 1"},
            }
        ],
    }
    client = officer(world)
    data = json.dumps(doc).encode()
    report = upload(client, "plots.geojson", data, layer="forest_plots").json()
    assert report["problems"][0]["error"] == "invalid_geometry"
    assert client.post(f"/api/v1/layers/forest_plots/imports/{report['id']}/commit").status_code == 400
    assert not ForestPlot.objects.exists()
    report = upload(client, "plots.geojson", data, layer="forest_plots", repair="true").json()
    assert report["valid_rows"] == 1
    assert client.post(f"/api/v1/layers/forest_plots/imports/{report['id']}/commit").status_code == 200
    assert ForestPlot.objects.get().geom.valid


def test_who_may_import(world):
    data = frame().to_json().encode()
    for role in ("khu_pho_officer", "land_officer", "district_leader"):
        client = Client()
        client.force_login(world.users[role])
        assert upload(client, "bins.geojson", data).status_code == 403, role
    assert upload(Client(), "bins.geojson", data).status_code in (401, 403)
    # Businesses keep their own import (the sync): not through this one.
    assert upload(officer(world), "bins.geojson", data, layer="businesses").status_code == 405


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "gpx", "csv", "xlsx"])
def test_export_a_filtered_selection_and_import_it_back(world, fmt):
    made = waste_field(world)
    bins = sorted(p.name for p in made if p.kind == "bin" and not p.is_deleted)
    response = Client().get(f"/api/v1/layers/waste_points/export.{fmt}?kind=bin")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response["Content-Disposition"].startswith("attachment")
    assert "Chủ Nguồn".encode() not in body
    name = {"shp": "waste_points.zip"}.get(fmt, f"waste_points.{fmt}")
    WastePoint.objects.all().delete()
    report = upload(officer(world), name, body).json()
    assert report["rows"] == len(bins), report
    if fmt != "gpx":  # a GPX waypoint keeps the name but not the kind
        names = sorted(r["properties"]["name"] for r in report["preview"])
        assert names == bins[: len(names)]
        # Ward B's bins come back refused: the officer edits ward A only.
        assert {p["error"] for p in report["problems"]} <= {"permission_denied"}, report
        assert report["valid_rows"] == sum(
            1 for p in made if p.kind == "bin" and not p.is_deleted and p.ward == world.ward_a
        )


def test_export_refuses_gpx_of_polygons_and_unknown_formats(world):
    assert Client().get("/api/v1/layers/forest_plots/export.gpx").json()["error"] == "unsupported_format"
    assert Client().get("/api/v1/layers/waste_points/export.dwg").json()["error"] == "unsupported_format"
