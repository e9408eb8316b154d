"""Forest plots (the Cần Giờ case) through HTTP: surveys, the change between surveys per plot and per sub-zone,
field crews' GPX/KML imported, plots and surveys exported as KML/KMZ that GDAL (as Google Earth) reads back."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from xml.etree import ElementTree as ET

import pyogrio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layers.models import FieldTrack, FieldWaypoint, ForestSurvey
from tests.layers.world import forest_plot, survey

MEASURES = ["canopy_cover_pct", "density_per_ha", "mean_height_m", "mean_dbh_cm", "carbon_t_ha"]
DAYS = [dt.date(2019, 11, 1), dt.date(2021, 11, 1), dt.date(2023, 11, 1)]


def as_role(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.fixture
def plots(world):
    """Nine plots in two sub-zones, three surveys each (one plot surveyed once), values from a fixed seed."""
    rng = random.Random(1978)
    made = []
    for i in range(9):
        zone = "Tiểu khu 4" if i < 5 else "Tiểu khu 7"
        lon, lat = 106.696 + (i % 3) * 0.0012, 10.777 + (i // 3) * 0.0012
        p = forest_plot(world.ward_a, f"CG-{i:03d}", lon, lat, sub_zone=zone)
        days = DAYS[:1] if i == 8 else DAYS
        for day in days:
            survey(
                p,
                day,
                canopy_cover_pct=round(rng.uniform(40, 95), 1),
                density_per_ha=round(rng.uniform(800, 2500)),
                mean_height_m=round(rng.uniform(6, 18), 1),
                mean_dbh_cm=round(rng.uniform(8, 25), 1),
                carbon_t_ha=round(rng.uniform(60, 220), 1),
                condition=rng.choice(["healthy", "healthy", "stressed", "degraded"]),
            )
        made.append(p)
    return made


def expected_pair(plot, start=None, end=None):
    rows = sorted(plot.surveys.all(), key=lambda s: s.surveyed_on)
    if start is None:
        return (rows[-2], rows[-1]) if len(rows) >= 2 else None
    before = [s for s in rows if s.surveyed_on <= start]
    after = [s for s in rows if start < s.surveyed_on <= end]
    return (before[-1], after[-1]) if before and after else None


@pytest.mark.parametrize("window", [None, ("2020-01-01", "2023-12-31"), ("2020-01-01", "2022-01-01")])
def test_change_per_plot_and_per_sub_zone(plots, window):
    query = f"?from={window[0]}&to={window[1]}" if window else ""
    data = Client().get(f"/api/v1/forest/change{query}").json()
    start, end = (dt.date.fromisoformat(w) for w in window) if window else (None, None)
    pairs = {p.pk: expected_pair(p, start, end) for p in plots}
    pairs = {k: v for k, v in pairs.items() if v}
    features = {f["id"]: f["properties"] for f in data["plots"]["features"]}
    assert set(features) == set(pairs)
    assert data["plots_without_pair"] == len(plots) - len(pairs) >= 1
    for pk, (a, b) in pairs.items():
        props = features[pk]
        assert (props["from"], props["to"]) == (a.surveyed_on.isoformat(), b.surveyed_on.isoformat())
        for m in MEASURES:
            assert props[f"{m}_change"] == pytest.approx(getattr(b, m) - getattr(a, m), abs=1e-3)
    by_plot = {p.pk: p for p in plots}
    for zone in data["sub_zones"]:
        members = [pk for pk in pairs if by_plot[pk].sub_zone == zone["sub_zone"]]
        assert zone["plots"] == len(members)
        carbon = sum((pairs[pk][1].carbon_t_ha - pairs[pk][0].carbon_t_ha) * by_plot[pk].area_ha for pk in members)
        assert zone["carbon_t_change"] == pytest.approx(carbon, abs=1e-2)
        canopy = [pairs[pk][1].canopy_cover_pct - pairs[pk][0].canopy_cover_pct for pk in members]
        assert zone["canopy_cover_pct_change_mean"] == pytest.approx(sum(canopy) / len(canopy), abs=1e-3)


def test_change_of_one_sub_zone_and_bad_windows(plots):
    data = Client().get("/api/v1/forest/change?sub_zone=Tiểu khu 7").json()
    assert {f["properties"]["sub_zone"] for f in data["plots"]["features"]} == {"Tiểu khu 7"}
    for bad in ("?from=2021-01-01", "?from=2023-01-01&to=2021-01-01", "?from=x&to=y"):
        assert Client().get(f"/api/v1/forest/change{bad}").status_code == 400, bad


def test_surveys_are_written_by_officers_with_versions(plots, world):
    plot = plots[0]
    url = f"/api/v1/forest/plots/{plot.pk}/surveys"
    body = {"surveyed_on": "25/11/2025", "canopy_cover_pct": 81.5, "carbon_t_ha": 150, "condition": "healthy"}
    assert as_role(world, "anonymous").post(url, body, content_type="application/json").status_code in (401, 403)
    assert as_role(world, "khu_pho_officer").post(url, body, content_type="application/json").status_code == 403
    officer = as_role(world, "ward_officer")
    created = officer.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.json()
    doc = created.json()
    assert doc["surveyed_on"] == "2025-11-25" and doc["version"] == 1
    again = officer.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"] == "duplicate_survey"
    too_much = {**body, "surveyed_on": "2025-12-01", "canopy_cover_pct": 150}
    bad = officer.post(url, too_much, content_type="application/json")
    assert bad.status_code == 400 and "canopy_cover_pct" in bad.json()["details"]["fields"]

    one = f"/api/v1/forest/surveys/{doc['id']}"
    ok = officer.patch(one, {"version": 1, "notes": "Bị sâu hại nhẹ"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = officer.patch(one, {"version": 1, "notes": "x"}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["details"]["current"]["notes"] == "Bị sâu hại nhẹ"
    saved = ForestSurvey.objects.get(pk=doc["id"])
    assert saved.history.first().history_user == world.users["ward_officer"]
    listed = Client().get(url).json()["surveys"]
    assert [s["surveyed_on"] for s in listed] == ["2019-11-01", "2021-11-01", "2023-11-01", "2025-11-25"]
    assert officer.delete(f"{one}?version=2").status_code == 204
    assert not ForestSurvey.objects.filter(pk=doc["id"]).exists()


def test_kml_and_kmz_export_for_google_earth(plots, tmp_path):
    response = Client().get("/api/v1/forest/plots.kml?sub_zone=Tiểu khu 4")
    assert response.status_code == 200 and "kml" in response["Content-Type"]
    root = ET.fromstring(response.content)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    zone_plots = [p for p in plots if p.sub_zone == "Tiểu khu 4"]
    marks = root.findall(".//k:Folder/k:Placemark[k:Polygon]", ns)
    assert sorted(m.find("k:name", ns).text for m in marks) == sorted(p.code for p in zone_plots)
    first = next(m for m in marks if m.find("k:name", ns).text == zone_plots[0].code)
    data = {d.get("name"): d.find("k:value", ns).text for d in first.findall(".//k:Data", ns)}
    latest = zone_plots[0].surveys.order_by("surveyed_on").last()
    assert data["surveys"] == "3" and float(data["latest_carbon_t_ha"]) == latest.carbon_t_ha
    stamps = root.findall(".//k:Placemark/k:TimeStamp/k:when", ns)
    assert len(stamps) == sum(p.surveys.count() for p in zone_plots)

    kmz = Client().get("/api/v1/forest/plots.kmz")
    with zipfile.ZipFile(io.BytesIO(kmz.content)) as zf:
        assert zf.namelist() == ["doc.kml"]
        (tmp_path / "plots.kml").write_bytes(zf.read("doc.kml"))
    # GDAL's KML driver reads it as Google Earth would: every plot a polygon, with its figures.
    polygons = [
        frame
        for name, _ in pyogrio.list_layers(tmp_path / "plots.kml")
        if len(frame := pyogrio.read_dataframe(tmp_path / "plots.kml", layer=name))
        and frame.geometry.geom_type.iloc[0] == "Polygon"
    ]
    assert sum(len(f) for f in polygons) == len(plots)


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="field-test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="{lat}" lon="{lon}"><ele>1.5</ele><time>2025-11-20T08:15:00Z</time><name>Điểm đo 1</name>
    <desc>Tán dày, bùn sâu</desc></wpt>
  <trk><name>Tuyến khảo sát sáng</name><trkseg>
    <trkpt lat="10.7760" lon="106.6950"><time>2025-11-20T07:00:00Z</time></trkpt>
    <trkpt lat="10.7770" lon="106.6960"><time>2025-11-20T07:20:00Z</time></trkpt>
    <trkpt lat="10.7780" lon="106.6965"><time>2025-11-20T07:40:00Z</time></trkpt>
  </trkseg></trk>
</gpx>"""


def test_field_crews_gpx_tracks_and_waypoints(plots, world):
    centre = plots[4].geom.point_on_surface
    officer = as_role(world, "ward_officer")
    data = GPX.format(lat=centre.y, lon=centre.x).encode()
    response = officer.post("/api/v1/forest/field-data", {"file": SimpleUploadedFile("sang.gpx", data)})
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["waypoints"] == [{"id": report["waypoints"][0]["id"], "name": "Điểm đo 1", "plot": plots[4].code}]
    track = FieldTrack.objects.get()
    assert track.name == "Tuyến khảo sát sáng" and 200 < track.length_m < 300  # ~155 m + ~120 m
    waypoint = FieldWaypoint.objects.get()
    assert waypoint.elevation_m == 1.5 and waypoint.recorded_at.isoformat().startswith("2025-11-20T08:15")
    listed = officer.get("/api/v1/forest/field-data").json()["features"]
    assert {f["properties"]["kind"] for f in listed} == {"track", "waypoint"}
    assert as_role(world, "anonymous").get("/api/v1/forest/field-data").status_code in (401, 403)


def test_field_data_in_kml_and_refusals(plots, world):
    officer = as_role(world, "ward_officer")
    kml = """<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Tuyến chiều</name>
  <LineString><coordinates>106.695,10.776 106.696,10.777</coordinates></LineString></Placemark>
<Placemark><name>Mốc A</name><Point><coordinates>106.6955,10.7765</coordinates></Point></Placemark>
</Document></kml>""".encode()
    assert officer.post("/api/v1/forest/field-data", {"file": SimpleUploadedFile("c.kml", kml)}).status_code == 201
    assert FieldTrack.objects.count() == 1 and FieldWaypoint.objects.count() == 1

    # A waypoint in ward B (not this officer's): nothing of the file is kept.
    outside = GPX.format(lat=10.78, lon=106.73).encode()
    refused = officer.post("/api/v1/forest/field-data", {"file": SimpleUploadedFile("b.gpx", outside)})
    assert refused.status_code == 400 and refused.json()["error"] == "import_refused"
    assert FieldTrack.objects.count() == 1 and FieldWaypoint.objects.count() == 1
    linked = kml.replace(
        b"<Document>", b"<Document><NetworkLink><Link><href>http://x/y.kml</href></Link></NetworkLink>"
    )
    refused = officer.post("/api/v1/forest/field-data", {"file": SimpleUploadedFile("n.kml", linked)})
    assert refused.status_code == 400 and refused.json()["error"] == "kml_network_link"
    csv = officer.post("/api/v1/forest/field-data", {"file": SimpleUploadedFile("x.csv", b"lon,lat\n1,2")})
    assert csv.status_code == 400 and csv.json()["error"] == "unsupported_format"
