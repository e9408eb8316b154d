"""The frame as registry layers (issue 12, interoperability): wards and khu phố with their validity and successors,
streets and public facilities, through HTTP as a map, a desktop GIS and a spreadsheet read them — vector tiles,
OGC API – Features collections and exports — public, read-only, and never carrying the heads' contacts."""

from __future__ import annotations

import datetime as dt
import io
import math

import mapbox_vector_tile
import pyogrio
import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.test import Client

from households.models import Street
from tests.factories import AdminUnitFactory, square

FRAME = ("admin_wards", "admin_khu_pho", "streets", "public_facilities")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tile_features(layer: str, lon: float, lat: float, z: int) -> list[dict]:
    response = Client().get("/tiles/{}/{}/{}/{}.mvt".format(layer, *tile_of(lon, lat, z)))
    assert response.status_code in (200, 204), response.content[:300]  # 204: nothing of the layer there
    decoded = mapbox_vector_tile.decode(response.content) if response.content else {}
    assert set(decoded) <= {layer}, set(decoded)
    return decoded.get(layer, {"features": []})["features"]


@pytest.fixture
def frame(world):
    """The test world, a ward merged into ward A in 2025 (still a row, with its successor), and a street."""
    old = AdminUnitFactory(
        name="Phường Cũ",
        code="OLD-1",
        parent=world.city,
        boundary=square(106.70, 10.78, 0.006),
        valid_from=dt.date(2000, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        successor=world.ward_a,
        head_name="Chủ Tịch Cũ",
        head_phone="0900000009",
    )
    street = Street.objects.create(
        name="Đường Số 7",
        ward=world.ward_a,
        geom=MultiLineString(LineString((106.694, 10.7795), (106.706, 10.7795)), srid=4326),
    )
    world.old_ward, world.street = old, street
    return world


def test_the_catalog_offers_the_frame_off_at_first_and_without_contacts(frame):
    response = Client().get("/tiles/")
    entries = {e["name"]: e for e in response.json()}
    assert set(FRAME) <= set(entries)
    for name in FRAME:
        assert entries[name]["on_at_first"] is False, name
    assert [f["name"] for f in entries["admin_wards"]["fields"]][:6] == [
        "code", "name", "kind", "valid_from", "valid_to", "successor",
    ]  # fmt: skip
    assert entries["admin_wards"]["title"] == "Phường, xã"
    body = response.content.decode()
    assert "head_name" not in body and "head_phone" not in body


def test_ward_tiles_carry_validity_and_successor_and_no_contacts(frame):
    features = tile_features("admin_wards", 106.70, 10.78, 14)
    by_name = {f["properties"]["name"]: f for f in features}
    assert {"Phường An Nhơn", "Phường Cũ"} <= set(by_name), set(by_name)
    assert "Khu phố 1" not in by_name  # khu phố are their own layer
    old = by_name["Phường Cũ"]["properties"]
    assert old["valid_from"] == "2000-01-01" and old["valid_to"] == "2025-06-30"
    assert old["successor"] == "Phường An Nhơn" and old["successor_code"] == frame.ward_a.code
    current = by_name["Phường An Nhơn"]["properties"]
    assert "valid_to" not in current and "successor" not in current  # NULLs are left out of a tile
    assert by_name["Phường An Nhơn"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert by_name["Phường An Nhơn"]["id"] == frame.ward_a.pk
    for f in features:
        assert not {"head_name", "head_phone"} & set(f["properties"])
        assert not {"Chủ Tịch Ánh", "0900000001", "Chủ Tịch Cũ"} & set(map(str, f["properties"].values()))


def test_khu_pho_tiles_name_their_ward(frame):
    features = tile_features("admin_khu_pho", 106.70, 10.78, 14)
    props = {f["properties"]["name"]: f["properties"] for f in features}
    assert {"Khu phố 1", "Khu phố 2"} <= set(props)
    assert props["Khu phố 1"]["ward"] == "Phường An Nhơn" and props["Khu phố 1"]["kind"] == "khu_pho"
    assert "Phường An Nhơn" not in props
    assert not any("head_phone" in p for p in props.values())
    # Below the layer's first zoom a tile is empty, not clustered.
    assert tile_features("admin_khu_pho", 106.70, 10.78, 9) == []


def test_street_and_facility_tiles(frame):
    streets = tile_features("streets", 106.70, 10.7795, 15)
    assert [(f["properties"]["name"], f["properties"]["ward"]) for f in streets] == [("Đường Số 7", "Phường An Nhơn")]
    assert streets[0]["geometry"]["type"] in ("LineString", "MultiLineString")
    facilities = tile_features("public_facilities", 106.695, 10.78, 15)
    assert [f["properties"]["kind"] for f in facilities] == ["school"]
    assert facilities[0]["properties"]["ward"] == "Phường An Nhơn"
    assert facilities[0]["properties"]["khu_pho"] == "Khu phố 1"


def test_ogc_collections_list_page_and_filter_the_frame(frame):
    client = Client()
    collections = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert set(FRAME) <= set(collections)
    assert collections["admin_wards"]["title"] == "Phường, xã"

    # Wards one a page, following the next links: each ward once, city and khu phố never.
    url, seen = "/ogc/collections/admin_wards/items?limit=1", []
    while url:
        doc = client.get(url).json()
        assert len(doc["features"]) <= 1
        seen += [f["properties"]["name"] for f in doc["features"]]
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    assert sorted(seen) == sorted(["Phường An Nhơn", "Phường Bình Lợi", "Phường Cũ"])

    doc = client.get("/ogc/collections/admin_wards/items?successor=Phường An Nhơn").json()
    assert [f["properties"]["code"] for f in doc["features"]] == ["OLD-1"]
    assert doc["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert "head_name" not in client.get(f"/ogc/collections/admin_wards/items/{frame.ward_a.pk}").content.decode()
    # A khu phố is not a feature of the wards' collection.
    assert client.get(f"/ogc/collections/admin_wards/items/{frame.kp_a1.pk}").status_code == 404

    doc = client.get("/ogc/collections/admin_khu_pho/items?ward=Phường An Nhơn").json()
    assert sorted(f["properties"]["name"] for f in doc["features"]) == ["Khu phố 1", "Khu phố 2"]
    doc = client.get("/ogc/collections/public_facilities/items?kind=health").json()
    assert [f["properties"]["khu_pho"] for f in doc["features"]] == ["Khu phố B1"]
    doc = client.get("/ogc/collections/streets/items?bbox=106.69,10.77,106.71,10.79").json()
    assert [f["properties"]["name"] for f in doc["features"]] == ["Đường Số 7"]
    assert doc["features"][0]["geometry"]["type"] == "MultiLineString"


def test_the_frame_is_read_only(frame):
    admin = Client()
    admin.force_login(frame.users["admin"])
    schema = admin.get("/ogc/collections/admin_khu_pho/schema").json()
    assert schema["x-editable"] is False
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.7, 10.78]}, "properties": {}}
    response = admin.post("/ogc/collections/public_facilities/items", body, content_type="application/geo+json")
    assert 400 <= response.status_code < 500, response.status_code
    assert frame.ward_a.pois.count() == 1


def test_exports_open_as_gis_files_and_spreadsheets(frame):
    client = Client()
    response = client.get("/api/v1/layers/admin_khu_pho/export.gpkg")
    assert response.status_code == 200, response.content[:300]
    gdf = pyogrio.read_dataframe(io.BytesIO(response.content))
    assert sorted(gdf["name"]) == ["Khu phố 1", "Khu phố 2", "Khu phố B1"]
    assert "head_phone" not in gdf.columns and gdf.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")

    response = client.get("/api/v1/layers/streets/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.split(",") == ["id", "name", "ward", "wkt"]
    assert "Đường Số 7" in row and "MULTILINESTRING" in row

    response = client.get("/api/v1/layers/admin_wards/export.geojson?code=OLD-1")
    doc = __import__("json").loads(b"".join(response.streaming_content))
    assert [f["properties"]["successor"] for f in doc["features"]] == ["Phường An Nhơn"]

    refused = client.get("/api/v1/layers/streets/export.gpx")
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_format"
