"""Parcels from survey corners: parsing, VN-2000 → WGS 84 through PROJ, measures, landing on the imagery, edits."""

from __future__ import annotations

import csv
import io

import pytest
import rasterio
import rasterio.warp
import shapely
from django.test import Client
from pyproj import Geod, Transformer

from imagery.land import parcels
from imagery.models import Parcel
from layers.crs import WGS84, transformer
from tests.imagery.rasters import LAT, LON
from tests.imagery.test_tiles import BLOCK, make_acquisition

GEOD = Geod(ellps="WGS84")
URL = "/api/v1/parcels/"


def doc_corners(lon: float, lat: float, width: float = 20.0, depth: float = 30.0) -> list[tuple[str, float, float]]:
    """A width × depth m rectangle as a survey document lists it: (point, X = northing, Y = easting), VN-2000."""
    e, n = transformer(WGS84, 9210).transform(lon, lat)
    return [("1", n, e), ("2", n, e + width), ("3", n - depth, e + width), ("4", n - depth, e)]


def as_text(rows, decimal_comma: bool = False) -> str:
    lines = []
    for label, x, y in rows:
        xs, ys = f"{x:.3f}", f"{y:.3f}"
        if decimal_comma:
            xs, ys = xs.replace(".", ","), ys.replace(".", ",")
        lines.append(f"{label}\t{xs}\t{ys}")
    return "\n".join(lines)


def officer(world, role: str = "land_officer") -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


# --- parsing and measuring (no database)


def test_parse_corners_as_documents_write_them():
    text = (
        "1 1191234,56 603696,97\n2\t1.191.234,56\t603.716,97\n3;1191204.56;603716.97\n# note\n\nM4 1191204,56 603696.97"
    )
    rows = parcels.parse_corners(text)
    assert parcels.parse_corners("10.7790000, 106.7010000")[0][1:] == (10.779, 106.701)
    assert [r[0] for r in rows] == ["1", "2", "3", "M4"]
    assert rows[1][1:] == (1191234.56, 603716.97)
    assert rows[3][1:] == (1191204.56, 603696.97)
    with pytest.raises(Exception, match="not a number"):
        parcels.parse_corners("1 119abc 603696")


def test_a_rectangle_measures_exactly_in_its_own_vn2000_plane():
    shape = parcels.build(as_text(doc_corners(LON, LAT)), 9210, "xy")
    described = shape.as_dict()
    assert described["area_m2"] == 600.0 and described["perimeter_m"] == 100.0
    assert [e["length_m"] for e in described["edges"]] == [20.0, 30.0, 20.0, 30.0]
    assert [e["from"] for e in described["edges"]] == ["1", "2", "3", "4"]
    assert described["measure_srid"] == 9210
    # A closed ring (last corner = first) is the same parcel.
    closed = doc_corners(LON, LAT) + [doc_corners(LON, LAT)[0]]
    assert parcels.build(as_text(closed), 9210, "xy").area_m2 == pytest.approx(600.0)


def test_swapped_columns_and_wrong_zone_are_explained():
    rows = doc_corners(LON, LAT)
    with pytest.raises(Exception) as swapped:
        parcels.build(as_text(rows), 9210, "en")  # X read as the easting
    assert swapped.value.code == "swapped_coordinates" and "northing" in swapped.value.message_en
    with pytest.raises(Exception) as crossing:
        parcels.build(as_text([rows[0], rows[2], rows[1], rows[3]]), 9210, "xy")
    assert crossing.value.code == "invalid_corners"
    with pytest.raises(Exception) as few:
        parcels.build(as_text(rows[:2]), 9210, "xy")
    assert few.value.code == "invalid_corners"


# --- through the API, against PostGIS and the imagery


def test_vn2000_parcel_lands_within_a_metre_of_its_wgs84_twin(world):
    """The twin's WGS 84 corners come from GDAL's own PROJ (rasterio), typed to 7 decimals like a GPS reading."""
    rows = doc_corners(LON + 0.001, LAT - 0.001)
    northings, eastings = [r[1] for r in rows], [r[2] for r in rows]
    lons, lats = rasterio.warp.transform("EPSG:9210", "EPSG:4326", eastings, northings)
    twin_text = "\n".join(f"{lat:.7f}, {lon:.7f}" for lon, lat in zip(lons, lats, strict=True))
    client = officer(world)

    vn = post(client, URL, {"sheet_no": "12", "parcel_no": "345", "corners": as_text(rows, True), "srid": 9210})
    assert vn.status_code == 201, vn.content
    wgs = post(client, URL, {"sheet_no": "12", "parcel_no": "346", "corners": twin_text, "srid": 4326})
    assert wgs.status_code == 201, wgs.content
    a, b = vn.json(), wgs.json()
    assert a["properties"]["ward"] == world.ward_a.pk  # found from where the parcel lies
    for (lon1, lat1), (lon2, lat2) in zip(
        a["geometry"]["coordinates"][0], b["geometry"]["coordinates"][0], strict=True
    ):
        assert GEOD.inv(lon1, lat1, lon2, lat2)[2] < 1.0
    assert a["properties"]["area_m2"] == pytest.approx(600.0, abs=0.01)
    assert b["properties"]["area_m2"] == pytest.approx(600.0, abs=1.0)
    assert b["properties"]["measure_srid"] == 9210  # a WGS 84 parcel is measured in VN-2000 too

    # The metre means something: the same corners projected back without the VN-2000 → WGS 84 datum shift
    # (a hand-made TM-3 on the WGS 84 ellipsoid) land over 200 m away.
    naive = Transformer.from_pipeline(
        "+proj=pipeline +step +inv +proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +ellps=WGS84 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    lon0, lat0 = naive.transform(eastings[0], northings[0])
    assert GEOD.inv(lon0, lat0, *a["geometry"]["coordinates"][0][0])[2] > 200


def test_vn2000_parcel_lands_on_its_block_of_the_imagery(world, tmp_path):
    """An EPSG:9210 image and a parcel typed from the same VN-2000 metres: the parcel sits on the right pixels."""
    acquisition, data, source = make_acquisition(world, tmp_path, srid=9210)
    client = officer(world)
    with rasterio.open(source) as ds:
        for row, col in [(1, 2), (3, 0), (2, 3)]:
            inset = 8  # px inside the block's edges
            top_left = ds.transform @ (col * BLOCK + inset, row * BLOCK + inset)
            bottom_right = ds.transform @ ((col + 1) * BLOCK - inset, (row + 1) * BLOCK - inset)
            (e1, n1), (e2, n2) = top_left, bottom_right
            text = f"1 {n1:.3f} {e1:.3f}\n2 {n1:.3f} {e2:.3f}\n3 {n2:.3f} {e2:.3f}\n4 {n2:.3f} {e1:.3f}"
            made = post(client, URL, {"sheet_no": "7", "parcel_no": f"{row}{col}", "corners": text})
            assert made.status_code == 201, made.content
            parcel = Parcel.objects.get(pk=made.json()["id"])
            assert parcel.area_m2 == pytest.approx((BLOCK - 2 * inset) ** 2 * 0.25, abs=0.01)
            for lon, lat in parcel.geom.coords[0]:
                values = client.get(f"/imagery/{acquisition.pk}/point?lon={lon}&lat={lat}").json()["values"]
                assert values == [int(v) for v in data[:, row * BLOCK + 32, col * BLOCK + 32]], (row, col)


def test_other_crs_choices(world):
    client = officer(world)
    # Former Bà Rịa–Vũng Tàu: TM-3 107°45'; measured in its own zone.
    e, n = transformer(WGS84, 5899).transform(107.08, 10.35)
    text = f"{n:.3f} {e:.3f}\n{n:.3f} {e + 10:.3f}\n{n - 10:.3f} {e + 10:.3f}\n{n - 10:.3f} {e:.3f}"
    shape = post(client, f"{URL}preview", {"corners": text, "srid": 5899}).json()
    assert shape["measure_srid"] == 5899 and shape["area_m2"] == pytest.approx(100.0, abs=0.01)
    assert GEOD.inv(107.08, 10.35, *shape["geometry"]["coordinates"][0][0])[2] < 0.01
    # WGS 84 / UTM 48N, easting first: measured in VN-2000 TM-3 105°45', within 0.1 % of the UTM area.
    e, n = transformer(WGS84, 32648).transform(LON, LAT)
    text = f"{e} {n}\n{e + 40} {n}\n{e + 40} {n - 25}\n{e} {n - 25}"
    shape = post(client, f"{URL}preview", {"corners": text, "srid": 32648, "order": "en"}).json()
    assert shape["measure_srid"] == 9210 and shape["area_m2"] == pytest.approx(1000.0, rel=1e-3)
    bad = post(client, f"{URL}preview", {"corners": text, "srid": 32648, "order": "latlon"})
    assert bad.status_code == 400


def test_edits_are_versioned_and_a_stale_write_is_refused(world):
    client = officer(world)
    made = post(client, URL, {"sheet_no": "3", "parcel_no": "10", "corners": as_text(doc_corners(LON, LAT))}).json()
    url = f"{URL}{made['id']}/"
    ok = client.patch(url, {"version": 1, "land_use": "ODT"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["properties"]["version"] == 2
    stale = client.patch(url, {"version": 1, "land_use": "CLN"}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    assert stale.json()["details"]["current"]["properties"]["land_use"] == "ODT"
    assert client.patch(url, {"land_use": "CLN"}, content_type="application/json").status_code == 400

    moved = client.patch(
        url,
        {"version": 2, "corners": as_text(doc_corners(LON, LAT, width=10, depth=10))},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["properties"]["area_m2"] == pytest.approx(100.0, abs=0.01)
    log = client.get(f"{URL}{made['id']}/history").json()["history"]
    assert [h["version"] for h in log] == [3, 2, 1]
    assert log[0]["user"] == "land_a" and "area_m2" in log[0]["changes"] and "land_use" in log[1]["changes"]

    assert client.delete(f"{url}?version=3").status_code == 204
    assert client.get(url).status_code == 404
    assert Parcel.objects.get(pk=made["id"]).is_deleted


def test_export_geojson_and_csv(world):
    client = officer(world)
    made = post(client, URL, {"sheet_no": "5", "parcel_no": "77", "corners": as_text(doc_corners(LON, LAT))}).json()
    geo = client.get(f"{URL}{made['id']}/export.geojson")
    assert geo["Content-Type"].startswith("application/geo+json")
    feature = geo.json()["features"][0]
    assert feature["properties"]["area_m2"] == 600.0 and feature["geometry"]["type"] == "Polygon"
    text = client.get(f"{URL}{made['id']}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][0] == "1" and float(rows[2][1]) == pytest.approx(doc_corners(LON, LAT)[0][1], abs=0.001)
    assert [float(r[5]) for r in rows[2:6]] == [20.0, 30.0, 20.0, 30.0]
    assert rows[-2][1] == "600.0"


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("anonymous", False, False),
        ("khu_pho_officer", False, False),
        ("ward_officer", False, False),
        ("land_officer", True, True),
        ("district_leader", True, False),
        ("admin", True, True),
    ],
)
def test_who_reads_and_writes_parcels(world, role, reads, writes):
    owner = officer(world)
    made = post(owner, URL, {"sheet_no": "1", "parcel_no": "1", "corners": as_text(doc_corners(LON, LAT))}).json()
    client = Client() if role == "anonymous" else officer(world, role)
    listed = client.get(URL)
    if role == "anonymous":
        assert listed.status_code == 403
    else:
        assert len(listed.json()["features"]) == (1 if reads else 0)
    assert client.get(f"{URL}{made['id']}/").status_code == (200 if reads else 403 if role == "anonymous" else 404)
    body = {"sheet_no": "1", "parcel_no": "2", "corners": as_text(doc_corners(LON + 0.001, LAT))}
    assert (post(client, URL, body).status_code == 201) == writes


def test_a_land_officer_writes_only_in_assigned_wards(world):
    from gisportal.models import Role
    from tests.factories import user_with_role

    client = Client()
    client.force_login(user_with_role("land_b", Role.LAND_OFFICER, wards=[world.ward_b]))
    body = {"sheet_no": "1", "parcel_no": "1", "corners": as_text(doc_corners(LON, LAT))}
    assert post(client, URL, body).status_code == 403  # the corners lie in ward A
    body["ward"] = world.ward_b.pk
    refused = post(client, URL, body)  # naming ward B does not move the corners there
    assert refused.status_code == 400 and refused.json()["error"] == "outside_ward"


def test_the_preview_names_the_ward_a_save_would_go_to(world):
    """The page offers a save only for a parcel in a ward its officer keeps: the preview says which ward, or none."""
    client = officer(world)  # a land officer of ward A

    def ward(lon: float) -> dict | None:
        answer = post(client, f"{URL}preview", {"corners": as_text(doc_corners(lon, LAT)), "srid": 9210})
        assert answer.status_code == 200, answer.content
        return answer.json()["ward"]

    assert ward(LON) == {"id": world.ward_a.pk, "name": world.ward_a.name, "editable": True}
    assert ward(LON + 0.03) == {"id": world.ward_b.pk, "name": world.ward_b.name, "editable": False}
    assert ward(LON + 0.05) is None  # in the city, in no ward
    assert (
        post(officer(world, "district_leader"), f"{URL}preview", {"corners": as_text(doc_corners(LON, LAT))}).json()[
            "ward"
        ]["editable"]
        is False
    )


@pytest.mark.parametrize(
    ("corners", "says"),
    [
        ("", "No corners"),
        (" \n# only a note\n", "No corners"),
        ([], "No corners"),
        (
            "1 11922a4,864 603696,965\n2 1192284,864 603716,965\n3 1192254,864 603716,965",
            "'11922a4,864' is not a number",
        ),
    ],
)
def test_bad_corners_are_refused_with_a_message_in_both_languages(world, corners, says):
    client = officer(world)
    for url in (f"{URL}preview", URL):
        refused = post(client, url, {"sheet_no": "1", "parcel_no": "1", "corners": corners, "srid": 9210})
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_corners"
        assert says in refused.json()["message_en"] and refused.json()["message"]
        assert refused.json()["message"] != refused.json()["message_en"]
    assert not Parcel.objects.exists()


def test_a_save_is_measured_from_its_corners_not_from_a_geometry_sent_with_them(world):
    rows = doc_corners(LON, LAT)
    elsewhere = doc_corners(LON + 0.002, LAT, width=5, depth=5)
    body = {
        "sheet_no": "1",
        "parcel_no": "1",
        "corners": as_text(rows, True),
        "srid": 9210,
        "geometry": parcels.build(as_text(elsewhere), 9210).as_dict()["geometry"],
        "area_m2": 25.0,
        "perimeter_m": 20.0,
    }
    saved = post(officer(world), URL, body)
    assert saved.status_code == 201, saved.content
    parcel = Parcel.objects.get()
    assert parcel.area_m2 == pytest.approx(600.0, abs=0.01) and parcel.perimeter_m == pytest.approx(100.0, abs=0.01)
    drawn = parcels.build(as_text(rows, True), 9210).polygon
    assert shapely.from_wkt(parcel.geom.wkt).equals_exact(drawn, 1e-9)
