"""Private records scoped like every other: sync runs and their row reports (issue 17)."""

from __future__ import annotations

from businesses.models import SyncRun
from tests.gisportal.test_role_matrix import client_for

RUNS = "/api/v1/businesses/sync/runs"


def _runs(world):
    a1, a2, b = (x.registration_no for x in world.businesses)  # ward A, ward A, ward B
    rejected = {"row": 2, "field": "owner_phone", "reason": "bad_phone", "value": "09xx của phường B"}
    both = SyncRun.objects.create(
        source="api", committed=True, report={"created": [a1, b], "updated": [], "missing": [], "rejections": []}
    )
    only_b = SyncRun.objects.create(
        source="api",
        committed=False,
        report={"created": [], "updated": [{"registration_no": b, "fields": ["signboard"]}], "rejections": [rejected]},
    )
    return both, only_b, (a1, a2, b)


def test_a_ward_officer_reads_only_the_runs_and_rows_of_their_wards(world):
    both, only_b, (a1, _, b) = _runs(world)
    officer = client_for(world, "ward_officer")  # ward A
    listed = [r["id"] for r in officer.get(RUNS).json()["results"]]
    assert listed == [both.pk]
    detail = officer.get(f"{RUNS}/{both.pk}").json()
    assert detail["report"]["created"] == [a1]
    assert b not in str(detail)
    assert officer.get(f"{RUNS}/{only_b.pk}").status_code == 404
    # Leaders read every run in full.
    leader = client_for(world, "district_leader")
    assert {r["id"] for r in leader.get(RUNS).json()["results"]} == {both.pk, only_b.pk}
    full = leader.get(f"{RUNS}/{only_b.pk}").json()
    assert full["report"]["rejections"][0]["reason"] == "bad_phone"


def test_rejected_rows_of_another_officers_run_are_not_shown(world):
    a1 = world.businesses[0].registration_no
    run = SyncRun.objects.create(
        source="api",
        committed=False,
        report={"created": [a1], "rejections": [{"row": 3, "reason": "bad_status", "value": "Chủ Tạp Hóa Ba"}]},
    )
    body = client_for(world, "ward_officer").get(f"{RUNS}/{run.pk}").json()
    assert body["report"]["rejections"] == [] and body["report"]["rejections_hidden"] == 1
    assert "Chủ Tạp Hóa Ba" not in str(body)


def test_a_sync_whose_file_cannot_be_spooled_ends_failed_not_queued(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.SPOOL_DIR = blocker  # mkdir under a file fails, as a full or read-only disk would
    admin = client_for(world, "admin")
    upload = SimpleUploadedFile("ds.csv", b"registration_no\n41S0000001\n", content_type="text/csv")
    admin.raise_request_exception = False
    response = admin.post("/api/v1/businesses/sync?async=1", {"file": upload})
    assert response.status_code == 503, response.content[:300]
    assert response.json()["message"] and response.json()["message_en"]
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED and run.error
