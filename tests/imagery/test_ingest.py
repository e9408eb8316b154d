"""Ingestion: real GeoTIFFs uploaded over HTTP, converted by the real Celery worker; bad files refused cleanly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.core.files.uploadhandler import StopUpload
from django.core.management import CommandError, call_command
from django.test import Client
from rio_cogeo.cogeo import cog_validate

from imagery.models import Acquisition, IngestJob
from imagery.uploads import SizeLimitHandler
from tests.imagery.conftest import files_under, wait_for_job
from tests.imagery.rasters import LAT, LON, write_geotiff, write_huge_claim, write_truncated

URL = "/api/v1/imagery/acquisitions/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, path: Path, ward, day: str = "2019-03-01", **extra):
    with open(path, "rb") as fh:
        return client.post(URL, {"file": fh, "ward": ward.pk, "acquired_on": day, **extra})


@pytest.mark.parametrize(
    ("srid", "bands", "dtype"),
    [(9210, 3, "uint8"), (32648, 4, "uint16")],
    ids=["vn2000-tm3-rgb8", "utm48n-rgba16"],
)
def test_upload_becomes_a_cog_with_its_metadata(live_world, celery_worker, imagery_root, tmp_path, srid, bands, dtype):
    source = tmp_path / "flight.tif"
    write_geotiff(source, srid=srid, bands=bands, dtype=dtype, pixel=0.5, size=256)
    officer = client_for(live_world.users["land_officer"])

    response = upload(officer, source, live_world.ward_a, title="Bay chụp 2019")
    assert response.status_code == 202, response.content
    job = wait_for_job(response.json()["id"])
    assert job.status == IngestJob.Status.DONE, (job.error, job.message_en)
    assert job.progress == 100
    assert officer.get(response["Location"]).json()["status"] == "done"

    a = job.acquisition
    assert (a.ward_id, a.year, str(a.acquired_on), a.title) == (
        live_world.ward_a.pk,
        2019,
        "2019-03-01",
        "Bay chụp 2019",
    )
    assert a.crs == f"EPSG:{srid}" and (a.width, a.height, a.bands, a.dtype) == (256, 256, bands, dtype)
    assert a.resolution_m == pytest.approx(0.5, abs=0.01)
    # The image's upper-left corner is at (LON, LAT) (a vertex, to within 1 cm); it spans 128 m east and south.
    ring = np.array(a.footprint.coords[0])
    assert np.hypot(ring[:, 0] - LON, ring[:, 1] - LAT).min() < 1e-7
    west, _south, east, _north = a.footprint.extent
    assert (east - west) * 109_300 == pytest.approx(128, rel=0.02)
    assert a.created_by == live_world.users["land_officer"]

    valid, errors, _ = cog_validate(str(a.cog_path), quiet=True)
    assert valid, errors
    with rasterio.open(a.cog_path) as cog:
        assert cog.crs.to_epsg() == 3857 and cog.count == 3 and cog.dtypes[0] == dtype
        assert cog.block_shapes[0] == (512, 512)
    # Only the COG remains: the uploaded copy is gone.
    assert files_under(imagery_root) == [f"cogs/{a.cog_name}"]
    listed = officer.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [a.pk]
    assert listed[0]["tiles"].startswith(f"/imagery/{a.pk}/tiles/{{z}}/{{x}}/{{y}}.png?key=")
    a.cog_path.unlink()


def _bad_files(tmp: Path) -> dict[str, Path]:
    files = {}
    files["random_bytes"] = tmp / "noise.tif"
    files["random_bytes"].write_bytes(np.random.default_rng(3).bytes(50_000))
    files["jpeg_renamed"] = tmp / "photo.tif"
    files["jpeg_renamed"].write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500)
    files["no_georeference"] = tmp / "scan.tif"
    write_geotiff(files["no_georeference"], srid=None)
    files["outside_vietnam"] = tmp / "europe.tif"  # UTM 34N, like a Sentinel-2 tile of the Balkans
    write_geotiff(files["outside_vietnam"], srid=32634, origin=(500_000, 4_500_000))
    files["huge_claim"] = tmp / "huge.tif"
    write_huge_claim(files["huge_claim"])
    files["one_band"] = tmp / "gray.tif"
    with rasterio.open(
        files["one_band"],
        "w",
        driver="GTiff",
        width=64,
        height=64,
        count=1,
        dtype="uint8",
        crs="EPSG:32648",
        transform=rasterio.transform.from_origin(690_000, 1_193_000, 0.5, 0.5),
    ) as ds:
        ds.write(np.zeros((1, 64, 64), dtype="uint8"))
    return files


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("random_bytes", 400, "not_a_geotiff"),
        ("jpeg_renamed", 400, "not_a_geotiff"),
        ("no_georeference", 400, "not_georeferenced"),
        ("outside_vietnam", 400, "outside_vietnam"),
        ("huge_claim", 413, "image_too_large"),
        ("one_band", 400, "unsupported_image"),
    ],
)
def test_bad_file_is_refused_at_upload_and_leaves_nothing(world, imagery_root, tmp_path, case, status, code):
    path = _bad_files(tmp_path)[case]
    response = upload(client_for(world.users["land_officer"]), path, world.ward_a)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert not Acquisition.objects.exists() and not IngestJob.objects.exists()
    assert files_under(imagery_root) == []


def test_truncated_file_fails_in_the_worker_and_leaves_nothing(live_world, celery_worker, imagery_root, tmp_path):
    """Its header is whole, so the upload is accepted; the pixels are not, so the job is refused."""
    path = tmp_path / "broken-copy.tif"
    write_truncated(path)
    officer = client_for(live_world.users["land_officer"])
    response = upload(officer, path, live_world.ward_a)
    assert response.status_code == 202
    job = wait_for_job(response.json()["id"])
    assert job.status == IngestJob.Status.FAILED and job.error == "corrupt_image"
    assert "corrupt" in job.message_en and "hỏng" in job.message
    assert officer.get(response["Location"]).json()["error"] == "corrupt_image"
    assert not Acquisition.objects.exists()
    assert files_under(imagery_root) == []


def test_upload_over_the_size_limit_is_refused_before_reading(world, imagery_root, tmp_path, settings):
    settings.MAX_UPLOAD_MB = 1
    path = tmp_path / "big.tif"
    write_geotiff(path, size=1024, block=1, seed=5)  # random pixels: ~3 MB even compressed
    assert path.stat().st_size > 2**20
    response = upload(client_for(world.users["land_officer"]), path, world.ward_a)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert files_under(imagery_root) == []


def test_size_limit_holds_without_a_content_length():
    """Chunked uploads carry no Content-Length: the handler counts the bytes as they arrive."""
    from django.conf import settings

    handler = SizeLimitHandler()
    chunk = b"x" * 2**20
    with pytest.raises(StopUpload):
        for i in range(settings.MAX_UPLOAD_MB + 1):
            handler.receive_data_chunk(chunk, i * len(chunk))
    assert handler.exceeded


def test_large_upload_streams_to_imagery_root_not_memory(world, imagery_root, tmp_path, settings):
    """Over Django's 5 MB in-memory threshold the file goes chunk by chunk to IMAGERY_ROOT/incoming."""
    path = tmp_path / "six-mb.tif"
    write_geotiff(path, size=1500, block=1, seed=9)
    assert path.stat().st_size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = upload(client_for(world.users["land_officer"]), path, world.ward_a)
    assert response.status_code == 202, response.content
    job = IngestJob.objects.get(pk=response.json()["id"])
    # The copy the worker will read is in incoming/, byte for byte (the worker is not running in this test).
    assert Path(job.source_path).parent == imagery_root / "incoming"
    assert Path(job.source_path).read_bytes() == path.read_bytes()
    Path(job.source_path).unlink()


@pytest.mark.parametrize("role", ["anonymous", "ward_officer", "khu_pho_officer", "district_leader"])
def test_only_land_officers_upload(world, imagery_root, tmp_path, role):
    path = tmp_path / "ok.tif"
    write_geotiff(path)
    client = Client() if role == "anonymous" else client_for(world.users[role])
    response = upload(client, path, world.ward_a)
    assert response.status_code in (401, 403), response.content
    assert files_under(imagery_root) == []


def test_land_officer_cannot_upload_for_another_ward(world, imagery_root, tmp_path):
    path = tmp_path / "ok.tif"
    write_geotiff(path)
    response = upload(client_for(world.users["land_officer"]), path, world.ward_b)
    assert response.status_code == 403
    assert files_under(imagery_root) == []


def test_year_must_match_the_date(world, imagery_root, tmp_path):
    path = tmp_path / "ok.tif"
    write_geotiff(path)
    response = upload(client_for(world.users["land_officer"]), path, world.ward_a, "2019-03-01", year=2018)
    assert response.status_code == 400 and response.json()["error"] == "invalid_input"
    assert files_under(imagery_root) == []


def test_cli_converts_inline_with_a_progress_bar(world, imagery_root, tmp_path):
    path = tmp_path / "registered.tif"
    write_geotiff(path, srid=3405, size=256)  # VN-2000 / UTM 48N
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "ingest_imagery", str(path), ward=world.ward_a.code, date="2021-12-05", inline=True, stdout=out, stderr=err
    )
    a = Acquisition.objects.get()
    assert a.crs == "EPSG:3405" and a.year == 2021 and a.source_name == "registered.tif"
    assert "100%" in err.getvalue()
    assert f"Acquisition #{a.pk}" in out.getvalue()
    assert path.exists(), "a registered file is read where it is, never moved or deleted"
    a.cog_path.unlink()


def test_cli_follows_the_worker(live_world, celery_worker, imagery_root, tmp_path):
    path = tmp_path / "queued.tif"
    write_geotiff(path, srid=9210)
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_imagery", str(path), ward=str(live_world.ward_a.pk), date="2015-01-20", stdout=out, stderr=err)
    a = Acquisition.objects.get()
    assert a.year == 2015 and "100%" in err.getvalue()
    a.cog_path.unlink()


def test_cli_refuses_a_file_outside_vietnam(world, imagery_root, tmp_path):
    path = tmp_path / "europe.tif"
    write_geotiff(path, srid=32634, origin=(500_000, 4_500_000))
    with pytest.raises(CommandError, match="outside Vietnam"):
        call_command("ingest_imagery", str(path), ward=world.ward_a.code, date="2020-01-01", inline=True)
    assert not Acquisition.objects.exists() and files_under(imagery_root) == []
