"""A big business file is queued for the Celery worker, and its run polled to the end (or to its failure)."""

from __future__ import annotations

from django.test import Client

from businesses.models import Business
from tests.businesses.sync_files import (
    client_as,
    csv_bytes,
    make_rows,
    post_file,
    snapshot,
)

# --- queued for the worker --------------------------------------------------------------------------------


def poll(client: Client, url: str, seconds: float = 90) -> dict:
    """The run's summary once the worker has finished with it."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["status"] in ("done", "failed"):
            return data
        time.sleep(0.3)
    raise AssertionError(f"the run never finished: {data}")


def test_a_big_file_is_queued_for_the_worker_and_polled_to_the_end(live_world, celery_worker, settings):
    settings.SYNC_INLINE_MAX_MB = 0  # every file counts as big: queued, not synced in the request
    admin = client_as(live_world.users["admin"])
    queued = post_file(admin, csv_bytes(make_rows(300, seed=11)), name="ca-phuong.csv")
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert body["status"] == "queued" and body["status_url"].endswith(f"/sync/runs/{body['id']}")
    done = poll(admin, body["status_url"])
    assert done["status"] == "done" and done["committed"] and done["created"] == 300 and done["error"] is None
    assert Business.objects.filter(registration_no__startswith="41S").count() == 300
    assert not list((settings.SPOOL_DIR / "sync").glob(f"{body['id']}.*"))  # the spooled upload is gone

    # A file the worker cannot read fails with the same clear message the inline path gives; nothing is written.
    before = snapshot()
    broken = post_file(admin, b"PK\x03\x04 not really a workbook", name="hong.xlsx")
    failed = poll(admin, broken.json()["status_url"])
    assert failed["status"] == "failed" and failed["error"]["message"] and failed["error"]["message_en"]
    assert snapshot() == before
