"""The acquisitions API around ingestion: registering by path, the time strip, deleting, job scoping."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from imagery.models import IngestJob
from tests.imagery.rasters import LAT, LON, write_geotiff
from tests.imagery.test_parcels import as_text, doc_corners, officer
from tests.imagery.test_tiles import make_acquisition

URL = "/api/v1/imagery/acquisitions/"


def test_register_a_file_by_path_only_inside_the_import_folder(world, tmp_path, settings):
    client = officer(world)
    body = {"path": "flight.tif", "ward": world.ward_a.pk, "acquired_on": "2018-04-02"}
    off = client.post(URL, body, content_type="application/json")
    assert off.status_code == 400 and off.json()["error"] == "import_dir_off"

    settings.IMAGERY_IMPORT_DIR = str(tmp_path)
    write_geotiff(tmp_path / "flight.tif")
    accepted = client.post(URL, body, content_type="application/json")
    assert accepted.status_code == 202, accepted.content
    job = IngestJob.objects.get(pk=accepted.json()["id"])
    assert job.source_path == str(tmp_path / "flight.tif") and not job.source_is_upload
    for sneaky in ("../etc/passwd", "/etc/passwd", "missing.tif"):
        refused = client.post(URL, {**body, "path": sneaky}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["error"] == "unknown_path", sneaky


def test_time_strip_for_a_spot_and_for_a_parcel(world, tmp_path):
    later, _d, _s = make_acquisition(world, tmp_path, day=dt.date(2023, 6, 1), seed=3)
    earlier, _d, _s = make_acquisition(world, tmp_path, day=dt.date(2016, 1, 9), seed=4)
    client = officer(world)
    spot = client.get(f"/api/v1/imagery/strip?lon={LON + 0.0003}&lat={LAT - 0.0003}&size_m=40").json()
    assert [i["id"] for i in spot["items"]] == [earlier.pk, later.pk]
    assert [i["acquired_on"] for i in spot["items"]] == ["2016-01-09", "2023-06-01"]
    thumb = client.get(spot["items"][0]["thumbnail"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"

    parcel = client.post(
        "/api/v1/parcels/",
        {"sheet_no": "4", "parcel_no": "8", "corners": as_text(doc_corners(LON + 0.0003, LAT - 0.0003))},
        content_type="application/json",
    ).json()
    by_parcel = client.get(f"/api/v1/imagery/strip?parcel={parcel['id']}").json()
    assert by_parcel["parcel"]["id"] == parcel["id"] and len(by_parcel["items"]) == 2
    west, south, east, north = by_parcel["bbox"]
    for lon, lat in by_parcel["parcel"]["geometry"]["coordinates"][0]:
        assert west < lon < east and south < lat < north

    far = client.get(f"/api/v1/imagery/strip?lon={LON + 0.05}&lat={LAT}").json()
    assert far["items"] == []
    assert client.get("/api/v1/imagery/strip?lon=1&lat=2").status_code == 400
    assert Client().get(f"/api/v1/imagery/strip?lon={LON}&lat={LAT}").status_code == 403


def test_delete_an_acquisition_with_its_cog(world, tmp_path):
    acquisition, _d, _s = make_acquisition(world, tmp_path)
    path = acquisition.cog_path
    url = f"{URL}{acquisition.pk}/"
    assert officer(world, "district_leader").delete(url).status_code == 403
    assert officer(world, "ward_officer").delete(url).status_code == 404
    assert officer(world).delete(url).status_code == 204
    assert officer(world).get(url).status_code == 404
    # The file goes when the transaction commits (the test's transaction never does: remove it here).
    path.unlink(missing_ok=True)


def test_jobs_are_scoped_to_the_wards(world, tmp_path):
    from gisportal.models import Role
    from tests.factories import user_with_role

    path = tmp_path / "f.tif"
    write_geotiff(path)
    with open(path, "rb") as fh:
        made = officer(world).post(URL, {"file": fh, "ward": world.ward_a.pk, "acquired_on": "2020-02-02"}).json()
    assert [j["id"] for j in officer(world).get("/api/v1/imagery/jobs/").json()["results"]] == [made["id"]]
    assert [j["id"] for j in officer(world, "district_leader").get("/api/v1/imagery/jobs/").json()["results"]] == [
        made["id"]
    ]
    other = Client()
    other.force_login(user_with_role("land_b3", Role.LAND_OFFICER, wards=[world.ward_b]))
    assert other.get("/api/v1/imagery/jobs/").json()["results"] == []
    assert other.get(f"/api/v1/imagery/jobs/{made['id']}/").status_code == 404
