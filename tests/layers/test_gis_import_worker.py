"""A big GIS file through HTTP: checked in the request, previewed and committed by the real Celery worker,
followed on the job's URL; all or nothing there too."""

from __future__ import annotations

import random
import time

import geopandas as gpd
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layers.models import ImportJob, WastePoint

ROWS = 12


def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    return client


def bins_geojson(kinds: list[str]) -> bytes:
    """Bins scattered inside ward A's khu phố 1 (tests/conftest.py), fixed seed."""
    rng = random.Random(11)
    points = [shapely.Point(106.695 + rng.uniform(-0.001, 0.001), 10.78 + rng.uniform(-0.001, 0.001)) for _ in kinds]
    names = [f"Thùng rác số {i}" for i in range(1, len(kinds) + 1)]
    return gpd.GeoDataFrame({"kind": kinds, "name": names}, geometry=points, crs=4326).to_json().encode()


def follow(client: Client, url: str, while_state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = client.get(url).json()
        if doc["state"] != while_state:
            return doc
        time.sleep(0.2)
    raise AssertionError(f"still {while_state} after {timeout} s: {doc}")


def queued(world, settings, celery_worker, kinds: list[str]) -> tuple[Client, str]:
    settings.GIS_IMPORT_INLINE_ROWS = 5
    settings.SPOOL_DIR = celery_worker.spool_dir  # where the worker reads the stored file
    client = officer(world)
    sent = client.post(
        "/api/v1/layers/waste_points/imports",
        {"file": SimpleUploadedFile("bins.geojson", bins_geojson(kinds))},
        format="multipart",
    )
    assert sent.status_code == 202, sent.json()
    assert sent.json()["state"] == "queued" and sent.json()["features"] == len(kinds)
    return client, f"/api/v1/layers/waste_points/imports/{sent.json()['id']}"


def test_a_big_file_is_previewed_then_committed_by_the_worker(live_world, settings, celery_worker):
    client, url = queued(live_world, settings, celery_worker, ["bin"] * ROWS)
    # A commit before the preview is ready is refused, not queued twice.
    early = client.post(f"{url}/commit")
    preview = follow(client, url, "queued")
    stored = celery_worker.spool_dir / "uploads" / ImportJob.objects.get(pk=preview["id"]).file.name
    assert stored.is_file()  # waiting in the private spool the worker shares
    if early.status_code != 202:
        assert early.json()["error"] == "not_previewed"
    assert preview["state"] in ("previewed", "committing", "committed"), preview
    assert preview["rows"] == ROWS and preview["features"] == ROWS

    if preview["state"] == "previewed":
        assert preview["valid_rows"] == ROWS and preview["problems"] == [] and len(preview["preview"]) == ROWS
        assert not WastePoint.objects.exists()  # a preview writes nothing
        answer = client.post(f"{url}/commit")
        assert answer.status_code == 202 and answer.json()["state"] == "committing"
        again = client.post(f"{url}/commit")
        assert again.status_code == 400 and again.json()["error"] == "already_committed"
    done = follow(client, url, "committing")
    assert done["state"] == "committed" and done["progress"] == ROWS and len(done["created_ids"]) == ROWS
    assert WastePoint.objects.filter(ward=live_world.ward_a, kind="bin").count() == ROWS
    assert not stored.exists() and not ImportJob.objects.get(pk=preview["id"]).file  # the worker dropped it
    officer_user = live_world.users["ward_officer"]
    assert all(p.history.get().history_user == officer_user for p in WastePoint.objects.all())


def test_a_big_file_with_one_bad_row_is_refused_whole_by_the_worker(live_world, settings, celery_worker):
    kinds = ["bin"] * (ROWS - 1) + ["volcano"]
    client, url = queued(live_world, settings, celery_worker, kinds)
    preview = follow(client, url, "queued")
    assert preview["state"] == "previewed" and preview["failed_rows"] == 1
    assert [p["row"] for p in preview["problems"]] == [ROWS]
    assert client.post(f"{url}/commit").status_code == 202
    done = follow(client, url, "committing")
    assert done["state"] == "refused" and done["created_ids"] == [] and done["problems"][0]["row"] == ROWS
    assert not WastePoint.objects.exists()
    # An ended import is not committed a second time.
    assert client.post(f"{url}/commit").json()["error"] == "import_ended"
