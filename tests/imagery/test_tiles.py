"""Tiles and the point query over HTTP, checked pixel by pixel against the source GeoTIFF."""

from __future__ import annotations

import datetime as dt
import math

import morecantile
import numpy as np
import pytest
import rasterio
from django.test import Client
from rasterio.io import MemoryFile

from imagery import ingest
from imagery.models import Acquisition
from layers.crs import WGS84, transformer
from tests.imagery.rasters import LAT, LON, write_geotiff

TMS = morecantile.tms.get("WebMercatorQuad")
BLOCK = 64


def make_acquisition(
    world, tmp_path, day: dt.date = dt.date(2020, 5, 1), title: str = "t", **image
) -> tuple[Acquisition, np.ndarray, str]:
    """A real acquisition of ward A, converted in this process; with its source array and source path."""
    keys = (image.get("srid", 9210), image.get("dtype", "uint8"), image.get("bands", 3), image.get("seed", 1))
    path = tmp_path / ("src-" + "-".join(map(str, keys)) + ".tif")
    data = write_geotiff(path, block=BLOCK, **image)
    job = ingest.start_path(
        path, ward=world.ward_a, year=day.year, acquired_on=day, title=title, user=None, queue=False
    )
    job = ingest.run_job(job.pk)
    assert job.status == "done", job.message_en
    return job.acquisition, data, str(path)


def block_centres(source: str):
    """(row, col, lon, lat) at the centre of each flat-colour block of the source."""
    with rasterio.open(source) as ds:
        to_wgs = transformer(ds.crs.to_epsg(), WGS84)
        for row in range(BLOCK // 2, ds.height, BLOCK):
            for col in range(BLOCK // 2, ds.width, BLOCK):
                x, y = ds.transform @ (col + 0.5, row + 0.5)
                lon, lat = to_wgs.transform(x, y)
                yield row, col, lon, lat


def decode(body: bytes) -> np.ndarray:
    with MemoryFile(body) as mem, mem.open() as img:
        return img.read()


def tile_pixel(lon: float, lat: float, z: int) -> tuple[morecantile.Tile, int, int]:
    t = TMS.tile(lon, lat, z)
    left, bottom, right, top = TMS.xy_bounds(t)
    x, y = TMS.xy(lon, lat)
    col = math.floor((x - left) / (right - left) * 256)
    row = math.floor((top - y) / (top - bottom) * 256)
    return t, row, col


def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["land_officer"])
    return client


@pytest.mark.parametrize("srid", [9210, 32648])
def test_tiles_show_the_source_pixels(world, tmp_path, srid):
    acquisition, data, source = make_acquisition(world, tmp_path, srid=srid)
    client = officer(world)
    checked = 0
    for z in (acquisition.maxzoom, acquisition.maxzoom - 2):
        for row, col, lon, lat in block_centres(source):
            t, trow, tcol = tile_pixel(lon, lat, z)
            response = client.get(f"/imagery/{acquisition.pk}/tiles/{z}/{t.x}/{t.y}.png")
            assert response.status_code == 200 and response["Content-Type"] == "image/png"
            rgba = decode(response.content)
            assert rgba.shape == (4, 256, 256)
            assert list(rgba[:3, trow, tcol]) == list(data[:, row, col]), (z, row, col)
            assert rgba[3, trow, tcol] == 255
            checked += 1
    assert checked == 2 * 16


def test_point_query_returns_the_source_values(world, tmp_path):
    acquisition, data, source = make_acquisition(world, tmp_path, srid=9210)
    client = officer(world)
    for row, col, lon, lat in block_centres(source):
        body = client.get(f"/imagery/{acquisition.pk}/point?lon={lon}&lat={lat}").json()
        assert body["values"] == [int(v) for v in data[:, row, col]]
        assert body["bands"] == ["red", "green", "blue"]


def test_sixteen_bit_tiles_are_stretched_and_points_stay_raw(world, tmp_path):
    acquisition, data, source = make_acquisition(world, tmp_path, srid=32648, dtype="uint16")
    client = officer(world)
    (low, high) = acquisition.rescale[0]
    z = acquisition.maxzoom
    for row, col, lon, lat in list(block_centres(source))[:6]:
        raw = client.get(f"/imagery/{acquisition.pk}/point?lon={lon}&lat={lat}").json()["values"]
        assert raw == [int(v) for v in data[:, row, col]] and max(raw) > 255
        t, trow, tcol = tile_pixel(lon, lat, z)
        red = decode(client.get(f"/imagery/{acquisition.pk}/tiles/{z}/{t.x}/{t.y}.png").content)[0, trow, tcol]
        expected = np.clip((data[0, row, col] - low) / (high - low) * 255, 0, 255)
        assert abs(int(red) - expected) <= 1


def test_alpha_of_an_rgba_source_becomes_transparency(world, tmp_path):
    acquisition, data, source = make_acquisition(world, tmp_path, srid=32648, bands=4)
    client = officer(world)
    z = acquisition.maxzoom
    for row, col, lon, lat in block_centres(source):
        t, trow, tcol = tile_pixel(lon, lat, z)
        rgba = decode(client.get(f"/imagery/{acquisition.pk}/tiles/{z}/{t.x}/{t.y}.png").content)
        assert rgba[3, trow, tcol] == (0 if data[3, row, col] == 0 else 255)


def test_tile_outside_the_footprint_is_empty_and_cache_headers(world, tmp_path):
    acquisition, _data, _source = make_acquisition(world, tmp_path)
    client = officer(world)
    z = acquisition.maxzoom
    far = TMS.tile(LON + 0.05, LAT, z)
    response = client.get(f"/imagery/{acquisition.pk}/tiles/{z}/{far.x}/{far.y}.png")
    assert response.status_code == 200 and response["X-Tile-Cache"] == "empty"
    assert (decode(response.content)[3] == 0).all()

    inside = TMS.tile(LON + 0.0002, LAT - 0.0002, z)
    url = f"/imagery/{acquisition.pk}/tiles/{z}/{inside.x}/{inside.y}.png"
    first, second = client.get(url), client.get(url)
    assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert first["Cache-Control"] == "private, max-age=604800"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    webp = client.get(url.replace(".png", ".webp"))
    assert webp["Content-Type"] == "image/webp" and decode(webp.content).shape[1:] == (256, 256)
    assert client.get(f"/imagery/{acquisition.pk}/tiles/25/0/0.png").status_code == 400
    assert client.get(f"/imagery/{acquisition.pk}/tiles/2/9/0.png").status_code == 400


def test_point_outside_and_bad_points(world, tmp_path):
    acquisition, _data, _source = make_acquisition(world, tmp_path)
    client = officer(world)
    outside = client.get(f"/imagery/{acquisition.pk}/point?lon={LON + 0.05}&lat={LAT}")
    assert outside.status_code == 404 and outside.json()["error"] == "outside_footprint"
    swapped = client.get(f"/imagery/{acquisition.pk}/point?lon={LAT}&lat={LON}")
    assert swapped.status_code == 400 and swapped.json()["error"] == "swapped_coordinates"
    assert client.get(f"/imagery/{acquisition.pk}/point?lon=abc&lat=1").status_code == 400


def test_crop_and_tilejson(world, tmp_path):
    acquisition, _data, _source = make_acquisition(world, tmp_path)
    client = officer(world)
    doc = client.get(f"/imagery/{acquisition.pk}/tilejson.json").json()
    assert f"/imagery/{acquisition.pk}/tiles/{{z}}/{{x}}/{{y}}.png?key=" in doc["tiles"][0]
    assert doc["maxzoom"] == acquisition.maxzoom and doc["bounds"] == list(acquisition.footprint.extent)
    bbox = f"{LON},{LAT - 0.0005},{LON + 0.0005},{LAT}"
    response = client.get(f"/imagery/{acquisition.pk}/crop.png?bbox={bbox}&size=128")
    assert response.status_code == 200
    assert 50 < max(decode(response.content).shape[1:]) <= 128  # at most `size`, never upsampled
    assert client.get(f"/imagery/{acquisition.pk}/crop.png?bbox=1,2,3").status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("ward_officer", 404),
        ("khu_pho_officer", 404),
        ("land_officer_b", 404),
        ("land_officer", 200),
        ("district_leader", 200),
        ("admin", 200),
    ],
)
def test_who_sees_tiles(world, tmp_path, role, status):
    from gisportal.models import Role
    from tests.factories import user_with_role

    acquisition, _data, _source = make_acquisition(world, tmp_path)
    client = Client()
    if role == "land_officer_b":
        client.force_login(user_with_role("land_b", Role.LAND_OFFICER, wards=[world.ward_b]))
    elif role != "anonymous":
        client.force_login(world.users[role])
    t = TMS.tile(LON + 0.0002, LAT - 0.0002, acquisition.maxzoom)
    for url in (
        f"/imagery/{acquisition.pk}/tiles/{t.z}/{t.x}/{t.y}.png",
        f"/imagery/{acquisition.pk}/point?lon={LON + 0.0002}&lat={LAT - 0.0002}",
        f"/imagery/{acquisition.pk}/tilejson.json",
        f"/api/v1/imagery/acquisitions/{acquisition.pk}/",
    ):
        got = client.get(url).status_code
        expected = 403 if (url.startswith("/api/") and status == 401) else status
        assert got == expected, (role, url, got)


def test_signed_tile_urls_spare_the_session_and_the_database(world, tmp_path, django_assert_num_queries, monkeypatch):
    """The URLs handed out carry a key: a cached tile then costs no query at all, and needs no cookie."""
    from imagery import access

    acquisition, _data, _source = make_acquisition(world, tmp_path)
    template = officer(world).get("/api/v1/imagery/acquisitions/").json()["results"][0]["tiles"]
    t = TMS.tile(LON + 0.0002, LAT - 0.0002, acquisition.maxzoom)
    url = template.format(z=t.z, x=t.x, y=t.y)
    anonymous = Client()
    assert anonymous.get(url)["X-Tile-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = anonymous.get(url)
    assert hit.status_code == 200 and hit["X-Tile-Cache"] == "hit"

    other, _d, _s = make_acquisition(world, tmp_path, seed=2)
    assert anonymous.get(url.replace(f"/imagery/{acquisition.pk}/", f"/imagery/{other.pk}/")).status_code == 403
    assert anonymous.get(url[:-3] + "xyz").status_code == 403  # a tampered signature
    monkeypatch.setattr("django.core.signing.time.time", lambda now=access.time.time: now() + access.KEY_SECONDS + 1)
    expired = anonymous.get(url)
    assert expired.status_code == 403 and expired.json()["error"] == "invalid_key"
    # A leader's key is made for the leader; the land officer of ward B gets no key to ward A at all.
    from gisportal.models import Role
    from tests.factories import user_with_role

    outsider = Client()
    outsider.force_login(user_with_role("land_b2", Role.LAND_OFFICER, wards=[world.ward_b]))
    assert outsider.get("/api/v1/imagery/acquisitions/").json()["results"] == []
