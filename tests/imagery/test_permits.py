"""Building permits: the layer the detection module cross-checks, versioned edits, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from imagery.models import BuildingPermit
from tests.imagery.rasters import LAT, LON
from tests.imagery.test_parcels import as_text, doc_corners, officer, post

URL = "/api/v1/permits/"


def footprint_geojson(lon: float, lat: float, d: float = 0.0001) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat - d], [lon, lat - d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_permit_on_a_parcel_from_drawing_corners(world):
    client = officer(world)
    parcel = post(
        client, "/api/v1/parcels/", {"sheet_no": "9", "parcel_no": "1", "corners": as_text(doc_corners(LON, LAT))}
    )
    parcel_id = parcel.json()["id"]
    body = {
        "permit_no": "123/GPXD-UBND",
        "parcel": parcel_id,
        "issued_on": "2019-06-01",
        "valid_until": "2020-06-01",
        "floors": 3,
        "corners": as_text(doc_corners(LON, LAT, width=10, depth=15)),
        "srid": 9210,
    }
    made = post(client, URL, body)
    assert made.status_code == 201, made.content
    props = made.json()["properties"]
    assert props["ward"] == world.ward_a.pk and props["parcel"] == parcel_id
    assert props["footprint_area_m2"] == pytest.approx(150.0, abs=0.05)
    assert post(client, URL, body).json()["error"] == "duplicate_permit"

    # The cross-check the detection module runs: in force on a day, overlapping a place.
    inside = Point(LON + 0.00005, LAT - 0.00005, srid=4326)
    assert list(BuildingPermit.objects.valid_on(dt.date(2019, 12, 1)).overlapping(inside)) == [
        BuildingPermit.objects.get(permit_no="123/GPXD-UBND")
    ]
    assert not BuildingPermit.objects.valid_on(dt.date(2021, 1, 1)).exists()
    assert len(client.get(f"{URL}?valid_on=2019-12-01").json()["features"]) == 1
    assert len(client.get(f"{URL}?valid_on=2018-12-01").json()["features"]) == 0


def test_permit_edits_are_versioned(world):
    client = officer(world)
    made = post(
        client, URL, {"permit_no": "7/GP", "issued_on": "2021-01-05", "footprint": footprint_geojson(LON, LAT)}
    ).json()
    url = f"{URL}{made['id']}/"
    assert client.patch(url, {"version": 1, "floors": 5}, content_type="application/json").status_code == 200
    stale = client.patch(url, {"version": 1, "floors": 9}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["details"]["current"]["properties"]["floors"] == 5
    bad = client.patch(url, {"version": 2, "valid_until": "2020-01-01"}, content_type="application/json")
    assert bad.status_code == 400
    log = client.get(f"{URL}{made['id']}/history").json()["history"]
    assert [h["version"] for h in log] == [2, 1] and log[0]["changes"]["floors"] == {"from": None, "to": 5}
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert client.get(url).status_code == 404


def test_bad_footprints_are_refused(world):
    client = officer(world)
    base = {"permit_no": "8/GP", "issued_on": "2021-01-05"}
    assert post(client, URL, base).json()["error"] == "missing_parameter"
    swapped = footprint_geojson(LAT, LON)
    assert post(client, URL, {**base, "footprint": swapped}).json()["error"] == "swapped_coordinates"
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[LON, LAT], [LON + 1e-4, LAT - 1e-4], [LON + 1e-4, LAT], [LON, LAT - 1e-4], [LON, LAT]]],
    }
    assert post(client, URL, {**base, "footprint": bow_tie}).status_code == 400


@pytest.mark.parametrize(("role", "reads"), [("ward_officer", False), ("district_leader", True), ("admin", True)])
def test_who_reads_permits(world, role, reads):
    post(
        officer(world), URL, {"permit_no": "1/GP", "issued_on": "2020-01-01", "footprint": footprint_geojson(LON, LAT)}
    )
    client = officer(world, role)
    assert len(client.get(URL).json()["features"]) == (1 if reads else 0)
    body = {"permit_no": "2/GP", "issued_on": "2020-01-01", "footprint": footprint_geojson(LON + 0.001, LAT)}
    assert post(client, URL, body).status_code == (201 if role == "admin" else 403)
    assert Client().get(URL).status_code == 403
