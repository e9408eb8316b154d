"""Runs end to end: tiles merged across edges, the permit cross-check, idempotent re-runs, cancel, a real worker."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client

from imagery.detection import runs
from imagery.detection.models import ChangeFlag, DetectionRun
from imagery.models import BuildingPermit
from layers.models import BasemapFeature
from tests.imagery.detection.scene import make_pair

RUNS = "/api/v1/detection/runs/"
FLAGS = "/api/v1/detection/flags/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def small_tiles(settings):
    settings.DETECTION_TILE_PX = 256  # the 600 px scene becomes several tiles, one building across an edge


def wait_for_run(run_id: int, timeout: float = 120) -> DetectionRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = DetectionRun.objects.get(pk=run_id)
        if run.finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} not finished after {timeout} s: {run.status} {run.progress}%")


def start_inline(pair, ward, **extra) -> DetectionRun:
    run = runs.start_run(before=pair.before, after=pair.after, ward=ward, area=ward.boundary, queue=False, **extra)
    return runs.run_inline(run)


def overlapping(flags, geom) -> list[ChangeFlag]:
    return [f for f in flags if f.geom.intersects(geom)]


def _core_boxes(before, tile: int) -> list:
    from imagery.detection import windows

    transform, width, height = windows.grid_of(before)
    full = windows.Core(0, 0, width, height)
    return [
        windows.core_box(transform, c)
        for c in windows.plan(transform, width, height, windows.core_box(transform, full), tile)
    ]


def _cores_met(boxes: list, geom) -> int:
    """How many tile cores a WGS 84 outline lies in, by at least 4 m² each (more than one: cut by an edge)."""
    import shapely

    from layers.crs import reproject

    outline = reproject(shapely.from_wkt(geom.wkt), 4326, 3857)
    return sum(1 for b in boxes if b.intersection(outline).area > 4.0)


def test_each_new_building_is_one_flag_even_across_tile_edges(world, tmp_path, settings):
    pair = make_pair(world.ward_a, tmp_path)
    # A tile size whose edges cut a new building well inside it (the COG's grid is the photograph's own).
    tile = next(t for t in range(160, 320, 8) if any(_cores_met(_core_boxes(pair.before, t), g) > 1 for g in pair.new))
    # The reference: the whole scene in one tile, so no candidate is cut.
    settings.DETECTION_TILE_PX = 2048
    whole = start_inline(pair, world.ward_a)
    assert whole.tiles_total == 1 and whole.status == DetectionRun.Status.DONE
    reference = list(ChangeFlag.objects.filter(run=whole))
    ChangeFlag.objects.all().delete()

    settings.DETECTION_TILE_PX = tile
    run = start_inline(pair, world.ward_a)
    assert run.status == DetectionRun.Status.DONE, run.message_en
    assert run.tiles_total > 1 and run.tiles_done == run.tiles_total and run.progress == 100
    flags = list(ChangeFlag.objects.filter(run=run))
    assert len(flags) == len(reference)
    boxes = _core_boxes(pair.before, tile)
    merged = 0
    for footprint in pair.new:
        found = overlapping(flags, footprint)
        assert len(found) == 1, f"{len(found)} flags over one new building"
        if _cores_met(boxes, found[0].geom) > 1:
            merged += 1
            # Pieces from two tiles, one flag: the outline the single tile found (the detector normalises
            # colours per window, so a few pixels of outline may differ).
            [alone] = overlapping(reference, footprint)
            assert found[0].area_m2 == pytest.approx(alone.area_m2, rel=0.1)
    assert merged >= 1
    for footprint in pair.old:
        assert not overlapping(flags, footprint)
    assert all(f.status == ChangeFlag.Status.TO_REVIEW for f in flags)


def test_permit_valid_on_the_later_date_marks_the_flag_permitted(world, tmp_path):
    pair = make_pair(world.ward_a, tmp_path)
    first, second, third = pair.new[:3]
    # In force on 2023-03-01 (the later photograph): permitted. Expired before it, or issued after: not.
    valid = BuildingPermit.objects.create(
        permit_no="12/GPXD", ward=world.ward_a, issued_on=dt.date(2021, 5, 1), footprint=first.buffer(0.00002)
    )
    BuildingPermit.objects.create(
        permit_no="13/GPXD",
        ward=world.ward_a,
        issued_on=dt.date(2018, 1, 1),
        valid_until=dt.date(2020, 1, 1),
        footprint=second.buffer(0.00002),
    )
    BuildingPermit.objects.create(
        permit_no="14/GPXD", ward=world.ward_a, issued_on=dt.date(2024, 1, 1), footprint=third.buffer(0.00002)
    )
    run = start_inline(pair, world.ward_a)
    flags = list(ChangeFlag.objects.filter(run=run))
    [permitted] = overlapping(flags, first)
    assert permitted.status == ChangeFlag.Status.PERMITTED and permitted.permit == valid
    for footprint in (second, third, pair.new[3]):
        [flag] = overlapping(flags, footprint)
        assert flag.status == ChangeFlag.Status.TO_REVIEW and flag.permit is None


def test_known_structure_and_earlier_flag_are_linked(world, tmp_path):
    pair = make_pair(world.ward_a, tmp_path)
    # The basemap already knew the second new building in 2019 (a survey the photographs missed).
    known = BasemapFeature.objects.create(
        kind=BasemapFeature.Kind.BUILDING, first_year=2018, ward=world.ward_a, geom=pair.new[1]
    )
    # A building recorded from 2021 only did not stand on the earlier date: no link.
    BasemapFeature.objects.create(
        kind=BasemapFeature.Kind.BUILDING, first_year=2021, ward=world.ward_a, geom=pair.new[2]
    )
    run = start_inline(pair, world.ward_a)
    flags = list(ChangeFlag.objects.filter(run=run))
    [linked] = overlapping(flags, pair.new[1])
    assert linked.status == ChangeFlag.Status.LINKED and linked.structure == known
    [fresh] = overlapping(flags, pair.new[2])
    assert fresh.status == ChangeFlag.Status.TO_REVIEW and fresh.structure is None


def test_rerun_over_the_same_area_updates_flags_and_keeps_decisions(world, tmp_path, small_tiles):
    pair = make_pair(world.ward_a, tmp_path)
    officer = client_for(world.users["land_officer"])
    body = {"before": pair.before.pk, "after": pair.after.pk, "ward": world.ward_a.pk}
    response = officer.post(RUNS, body, content_type="application/json")
    assert response.status_code == 202, response.content
    first = runs.run_inline(DetectionRun.objects.get(pk=response.json()["id"]))
    assert first.status == DetectionRun.Status.DONE
    before = {f.pk: f for f in ChangeFlag.objects.all()}
    assert len(before) == first.flags_new >= 4
    confirm, dismiss = sorted(before)[:2]
    for pk, action in ((confirm, "confirm"), (dismiss, "dismiss")):
        answer = officer.post(
            f"{FLAGS}{pk}/decide",
            {"action": action, "note": f"{action} bởi kiểm tra", "version": before[pk].version},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content

    second = runs.run_inline(
        DetectionRun.objects.get(pk=officer.post(RUNS, body, content_type="application/json").json()["id"])
    )
    assert second.status == DetectionRun.Status.DONE and (second.flags_new, second.flags_updated) == (0, 0)
    after = {f.pk: f for f in ChangeFlag.objects.all()}
    assert set(after) == set(before)  # the same flags, no copies
    assert after[confirm].status == ChangeFlag.Status.CONFIRMED and after[confirm].note == "confirm bởi kiểm tra"
    assert after[dismiss].status == ChangeFlag.Status.DISMISSED
    assert all(f.last_run_id == second.pk and f.run_id == first.pk for f in after.values())
    # A permit recorded since the first run: the undecided flag under it turns permitted; decisions stay.
    undecided = next(f for f in after.values() if f.pk not in (confirm, dismiss))
    BuildingPermit.objects.create(
        permit_no="20/GPXD", ward=world.ward_a, issued_on=dt.date(2022, 1, 1), footprint=undecided.geom.buffer(0.00002)
    )
    third = start_inline(pair, world.ward_a)
    assert (third.flags_new, third.flags_updated) == (0, 1)
    undecided.refresh_from_db()
    assert undecided.status == ChangeFlag.Status.PERMITTED and undecided.version == 2
    assert ChangeFlag.objects.get(pk=confirm).status == ChangeFlag.Status.CONFIRMED


def test_cancel_stops_the_remaining_tiles(world, tmp_path, small_tiles):
    pair = make_pair(world.ward_a, tmp_path)
    officer = client_for(world.users["land_officer"])
    run = runs.start_run(
        before=pair.before, after=pair.after, ward=world.ward_a, area=world.ward_a.boundary, queue=False
    )
    tile_ids = list(run.tiles.values_list("pk", flat=True))
    runs.run_tile(tile_ids[0])
    response = officer.post(f"{RUNS}{run.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    for tile_id in tile_ids[1:]:
        assert runs.run_tile(tile_id) == DetectionRun.Status.CANCELLED
    run.refresh_from_db()
    assert run.status == DetectionRun.Status.CANCELLED and run.tiles_done == 1
    assert not ChangeFlag.objects.exists()
    again = officer.post(f"{RUNS}{run.pk}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_pair_that_does_not_overlap_the_area_is_refused(world, tmp_path):
    pair = make_pair(world.ward_a, tmp_path)
    officer = client_for(world.users["land_officer"])
    # A drawn area in the ward's south-east corner, away from both photographs.
    corner = {
        "type": "Polygon",
        "coordinates": [
            [[106.706, 10.772], [106.709, 10.772], [106.709, 10.775], [106.706, 10.775], [106.706, 10.772]]
        ],
    }
    body = {"before": pair.before.pk, "after": pair.after.pk, "area": corner}
    response = officer.post(RUNS, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "no_overlap"
    assert response.json()["message"] and response.json()["message_en"]
    body = {"before": pair.after.pk, "after": pair.before.pk}
    swapped = officer.post(RUNS, body, content_type="application/json")
    assert swapped.status_code == 400 and swapped.json()["error"] == "bad_pair"
    assert not DetectionRun.objects.exists()


def test_a_real_worker_runs_the_tiles_and_the_page_polls_progress(live_world, celery_worker, tmp_path, small_tiles):
    pair = make_pair(live_world.ward_a, tmp_path)
    officer = client_for(live_world.users["land_officer"])
    body = {"before": pair.before.pk, "after": pair.after.pk, "ward": live_world.ward_a.pk}
    response = officer.post(RUNS, body, content_type="application/json")
    assert response.status_code == 202, response.content
    run = wait_for_run(response.json()["id"])
    assert run.status == DetectionRun.Status.DONE, run.message_en
    progress = officer.get(response["Location"]).json()
    assert progress["progress"] == 100 and progress["tiles_done"] == progress["tiles_total"] > 1
    listed = officer.get(f"{FLAGS}?run={run.pk}&status=to_review").json()
    assert listed["count"] == len(pair.new) == len(listed["features"])


def test_cli_runs_inline_with_a_progress_bar(world, tmp_path, small_tiles):
    from io import StringIO

    from django.core.management import CommandError, call_command

    pair = make_pair(world.ward_a, tmp_path)
    out, err = StringIO(), StringIO()
    call_command("run_detection", before=pair.before.pk, after=pair.after.pk, inline=True, stdout=out, stderr=err)
    run = DetectionRun.objects.get()
    assert run.status == DetectionRun.Status.DONE and run.ward == world.ward_a
    assert f"Run #{run.pk}" in out.getvalue() and "4 new flags" in out.getvalue()
    assert "100%" in err.getvalue()
    with pytest.raises(CommandError, match="older"):
        call_command("run_detection", before=pair.after.pk, after=pair.before.pk, inline=True, stdout=out, stderr=err)
