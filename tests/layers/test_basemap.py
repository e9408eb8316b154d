"""The demo ward's world (households/demo_world.py) and the basemap tiles and files served from it (/tiles/basemap…)."""

from __future__ import annotations

import gzip
import math

import mapbox_vector_tile
import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client

from gisportal.demo import DemoContext, run
from households import demo_world
from layers import demo as layers_demo
from layers.models import AdminUnit, BasemapFeature

STEPS = [
    "layers.demo.seed_admin_units",
    "households.demo.seed_streets",
    "households.demo.seed_house_numbers",
    "layers.demo.seed_pois",
    "households.demo_world.seed_world",
]


def quiet() -> DemoContext:
    return DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)


@pytest.fixture
def world(db):
    run(quiet(), STEPS)
    return AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def decode(response) -> dict:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return mapbox_vector_tile.decode(body)


def centre(ward) -> tuple[float, float]:
    c = ward.boundary.point_on_surface
    return c.x, c.y


def test_the_world_lines_up_with_the_ward(world):
    rows = BasemapFeature.objects.filter(ward=world, source="demo")
    kinds = dict(rows.values_list("kind").annotate(n=Count("id")))
    assert kinds["building"] > 5000 and kinds["street"] >= 16 and kinds["block"] > 20
    assert kinds["water"] == 1 and kinds["park"] >= 1 and kinds["tree"] > 200
    new = rows.filter(kind="building", attrs__new=True)
    assert new.count() == demo_world.NEW_BUILDINGS
    assert set(new.values_list("first_year", flat=True)) <= {2020, 2021, 2023, 2024}
    assert rows.filter(kind="building", last_year__isnull=False).count() == demo_world.DEMOLISHED
    assert not rows.filter(kind="building", attrs__new__isnull=True, first_year__gte=2019).exists()
    with connection.cursor() as cur:
        # The rows were written in this test's transaction, unseen by autovacuum: without statistics the planner
        # chose nested loops over the whole table and the checks took 10-130 s; with them, about 4 s.
        cur.execute("ANALYZE layers_basemapfeature, households_housenumber")
        # No building on a carriageway (half a street's width, in Web Mercator units at HCMC's latitude).
        cur.execute(
            """
            SELECT count(*) FROM layers_basemapfeature b JOIN layers_basemapfeature s
              ON s.kind = 'street' AND b.kind = 'building' AND s.ward_id = b.ward_id
             AND ST_DWithin(b.geom_3857, s.geom_3857, s.width_m / 2 / cos(radians(10.77)))
             WHERE b.ward_id = %s""",
            [world.id],
        )
        assert cur.fetchone()[0] == 0
        # Most street-front house numbers stand inside a tube house (corners and lots by big buildings do not).
        cur.execute(
            """
            SELECT avg((EXISTS (SELECT 1 FROM layers_basemapfeature b
                                 WHERE b.kind = 'building' AND ST_Contains(b.geom_3857, h.geom_3857)))::int)
              FROM households_housenumber h WHERE h.ward_id = %s AND h.alleys = '{}'""",
            [world.id],
        )
        assert cur.fetchone()[0] > 0.6
        # Buildings do not overlap one another.
        cur.execute(
            """
            SELECT count(*) FROM layers_basemapfeature a JOIN layers_basemapfeature b
              ON a.id < b.id AND a.kind = 'building' AND b.kind = 'building' AND a.geom_3857 && b.geom_3857
             AND ST_Overlaps(a.geom, b.geom)
             WHERE a.ward_id = %s""",
            [world.id],
        )
        assert cur.fetchone()[0] == 0
    # The demo's named streets, each with a class and a width.
    streets = rows.filter(kind="street").exclude(subkind="alley")
    assert set(streets.values_list("name", flat=True)) == set(world.streets.values_list("name", flat=True))
    assert all(w > 0 for w in streets.values_list("width_m", flat=True))
    # Idempotent: a second run adds nothing.
    count = rows.count()
    ctx = quiet()
    ctx.data["ward"] = world
    run(ctx, ["households.demo_world.seed_world"])
    assert BasemapFeature.objects.filter(ward=world, source="demo").count() == count


def test_tiles_have_the_layers_for_their_zoom_and_year(world):
    lon, lat = centre(world)
    x, y = tile_xy(lon, lat, 16)
    response = Client().get(f"/tiles/basemap/16/{x}/{y}.mvt", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Content-Encoding"] == "gzip" and "public" in response["Cache-Control"]
    tile = decode(response)
    assert {"blocks", "buildings", "streets", "boundaries", "labels"} <= set(tile)
    names = {f["properties"].get("name") for f in tile["streets"]["features"]}
    assert names & set(world.streets.values_list("name", flat=True))
    street = next(f for f in tile["streets"]["features"] if f["properties"].get("class") in ("primary", "residential"))
    assert street["properties"]["width"] > 0
    # The same tile unzipped, and revalidated by its ETag.
    plain = Client().get(f"/tiles/basemap/16/{x}/{y}.mvt")
    assert "Content-Encoding" not in plain and decode(plain).keys() == tile.keys()
    again = Client().get(f"/tiles/basemap/16/{x}/{y}.mvt", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again.status_code == 304

    # Low zooms stay light; empty tiles are 204.
    x, y = tile_xy(lon, lat, 12)
    tile = decode(Client().get(f"/tiles/basemap/12/{x}/{y}.mvt"))
    assert "buildings" not in tile and "blocks" not in tile and "trees" not in tile
    assert "boundaries" in tile  # the ward outline is there from z10
    assert Client().get("/tiles/basemap/5/3/3.mvt").status_code == 204  # below the basemap's zooms
    assert Client().get("/tiles/basemap/16/0/0.mvt").status_code == 204  # nothing there

    # A tile of an earlier year lacks the newer buildings.
    new = BasemapFeature.objects.filter(ward=world, kind="building", attrs__new=True, first_year__gte=2023).first()
    c = new.geom.centroid
    x, y = tile_xy(c.x, c.y, 17)

    def buildings(year: int) -> int:
        tile = decode(Client().get(f"/tiles/basemap/17/{x}/{y}.mvt?year={year}"))
        return len(tile.get("buildings", {}).get("features", []))

    assert buildings(2025) > buildings(2019)


@pytest.mark.parametrize("path", ["/tiles/basemap/23/0/0.mvt", "/tiles/basemap/2/4/0.mvt", "/tiles/basemap/x/0/0.mvt"])
def test_bad_tiles_are_400_in_both_languages(db, path):
    response = Client().get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tile" and body["message"].startswith("Ô bản đồ") and body["message_en"]


def test_bad_year_is_400(db):
    response = Client().get("/tiles/basemap/16/0/0.mvt?year=20x5")
    assert response.status_code == 400 and response.json()["error"] == "invalid_year"


def test_tilejson_names_the_portal_tiles_and_no_outside_host(db, settings):
    settings.BASEMAP_URL = ""
    doc = Client().get("/tiles/basemap.json").json()
    assert doc["format"] == "mvt" and doc["tiles"][0].endswith("/tiles/basemap/{z}/{x}/{y}.mvt")
    assert doc["online"] == ""
    assert {layer["id"] for layer in doc["vector_layers"]} >= {"streets", "buildings", "water", "labels"}


def test_a_pmtiles_file_is_served_by_ranges(db, settings, tmp_path):
    data = bytes(range(256)) * 40  # 10,240 bytes; any bytes do: the server never parses the file
    path = tmp_path / "city.pmtiles"
    path.write_bytes(data)
    client = Client()
    assert client.get("/tiles/basemap.pmtiles").status_code == 404
    settings.BASEMAP_PMTILES = str(path)
    doc = client.get("/tiles/basemap.json").json()
    assert doc["format"] == "pmtiles" and doc["tiles"][0].endswith("/tiles/basemap.pmtiles")
    part = client.get("/tiles/basemap.pmtiles", HTTP_RANGE="bytes=100-227")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 100-227/10240"
    assert b"".join(part.streaming_content) == data[100:228]
    tail = client.get("/tiles/basemap.pmtiles", HTTP_RANGE="bytes=-16")
    assert b"".join(tail.streaming_content) == data[-16:]
    whole = client.get("/tiles/basemap.pmtiles")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    bad = client.get("/tiles/basemap.pmtiles", HTTP_RANGE="bytes=20000-20010")
    assert bad.status_code == 416 and bad.json()["message"]
