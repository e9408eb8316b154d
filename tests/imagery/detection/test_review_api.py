"""The review through HTTP: decisions with their version (stale → 409), their history, chips, counts, roles."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from PIL import Image

from imagery.detection import runs
from imagery.detection.models import ChangeFlag, DetectionRun
from imagery.models import BuildingPermit
from tests.imagery.detection.scene import make_pair

FLAGS = "/api/v1/detection/flags/"
RUNS = "/api/v1/detection/runs/"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def flagged(world, tmp_path):
    """The scene's pair, detected over ward A: four flags to review."""
    pair = make_pair(world.ward_a, tmp_path)
    run = runs.start_run(
        before=pair.before, after=pair.after, ward=world.ward_a, area=world.ward_a.boundary, queue=False
    )
    run = runs.run_inline(run)
    assert run.status == DetectionRun.Status.DONE
    return pair, run, list(ChangeFlag.objects.order_by("id"))


def decide(client, flag_id: int, **body):
    return client.post(f"{FLAGS}{flag_id}/decide", body, content_type="application/json")


def test_decisions_are_versioned_with_history_and_stale_writes_get_409(world, flagged):
    _pair, _run, flags = flagged
    officer = client_for(world.users["land_officer"])
    flag = flags[0]
    read = officer.get(f"{FLAGS}{flag.pk}/").json()
    assert read["properties"]["status"] == "to_review" and read["properties"]["version"] == 1

    done = decide(officer, flag.pk, action="confirm", note="Xây thêm tầng không phép", version=1)
    assert done.status_code == 200, done.content
    props = done.json()["properties"]
    assert (props["status"], props["version"], props["decided_by"]) == ("confirmed", 2, "land_a")
    assert props["note"] == "Xây thêm tầng không phép" and props["decided_at"]

    # A second officer who read version 1 loses: 409 with both versions; the first decision stays.
    stale = decide(officer, flag.pk, action="dismiss", note="nhầm", version=1)
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "conflict" and body["message"] and body["message_en"]
    assert body["details"]["current"]["properties"]["status"] == "confirmed"
    flag.refresh_from_db()
    assert flag.status == ChangeFlag.Status.CONFIRMED and flag.version == 2

    again = decide(officer, flag.pk, action="dismiss", note="Thực ra là mái che tạm", version=2)
    assert again.status_code == 200 and again.json()["properties"]["status"] == "dismissed"
    history = officer.get(f"{FLAGS}{flag.pk}/history").json()["history"]
    assert [h["version"] for h in history] == [3, 2, 1]
    assert [h["user"] for h in history[:2]] == ["land_a", "land_a"]
    assert history[0]["changes"]["status"] == {"from": "confirmed", "to": "dismissed"}
    assert history[1]["changes"]["status"] == {"from": "to_review", "to": "confirmed"}
    assert history[0]["changes"]["note"]["to"] == "Thực ra là mái che tạm"

    # The decided flag leaves the pending list.
    pending = officer.get(f"{FLAGS}?status=to_review").json()
    assert flag.pk not in [f["id"] for f in pending["features"]] and pending["count"] == len(flags) - 1


def test_permitted_needs_a_permit_and_links_it(world, flagged):
    _pair, _run, flags = flagged
    officer = client_for(world.users["land_officer"])
    flag = flags[1]
    missing = decide(officer, flag.pk, action="permit", version=1)
    assert missing.status_code == 400 and missing.json()["error"] == "permit_required"
    permit = BuildingPermit.objects.create(
        permit_no="7/GPXD", ward=world.ward_a, issued_on=dt.date(2022, 2, 2), footprint=flag.geom.buffer(0.00002)
    )
    done = decide(officer, flag.pk, action="permit", permit=permit.pk, note="GP số 7", version=1)
    assert done.status_code == 200
    props = done.json()["properties"]
    assert (props["status"], props["permit"], props["permit_no"]) == ("permitted", permit.pk, "7/GPXD")
    bad = decide(officer, flags[2].pk, action="demolish", version=1)
    assert bad.status_code == 400 and bad.json()["message_en"]
    no_version = decide(officer, flags[2].pk, action="confirm")
    assert no_version.status_code == 400


def test_list_filters_sorts_and_chips(world, flagged):
    _pair, run, flags = flagged
    officer = client_for(world.users["land_officer"])
    by_score = officer.get(f"{FLAGS}?sort=-score&ward={world.ward_a.pk}&run={run.pk}").json()
    scores = [f["properties"]["score"] for f in by_score["features"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(flags)
    by_area = officer.get(f"{FLAGS}?sort=area").json()
    areas = [f["properties"]["area_m2"] for f in by_area["features"]]
    assert areas == sorted(areas)
    assert officer.get(f"{FLAGS}?sort=colour").status_code == 400
    assert officer.get(f"{FLAGS}?status=maybe").status_code == 400
    west, south, east, north = flags[0].geom.extent
    boxed = officer.get(f"{FLAGS}?bbox={west},{south},{east},{north}").json()
    assert flags[0].pk in [f["id"] for f in boxed["features"]] and boxed["count"] < len(flags)

    for which in ("before", "after"):
        chip = officer.get(f"{FLAGS}{flags[0].pk}/chip/{which}.png")
        assert chip.status_code == 200 and chip["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(chip.content)).size[0] > 16
    assert officer.get(f"{FLAGS}{flags[0].pk}/chip/during.png").status_code == 404


def test_roles(world, flagged):
    pair, run, flags = flagged
    flag = flags[0]
    leader = client_for(world.users["district_leader"])
    counts = leader.get("/api/v1/detection/counts").json()["results"]
    assert counts == [
        {
            "ward": world.ward_a.pk,
            "ward_name": world.ward_a.name,
            "pending": len(flags),
            "confirmed": 0,
            "dismissed": 0,
            "permitted": 0,
            "linked": 0,
            "total": len(flags),
        }
    ]
    assert leader.get(f"{FLAGS}{flag.pk}/").status_code == 200  # leaders read…
    assert decide(leader, flag.pk, action="confirm", version=1).status_code == 403  # …and decide nothing
    body = {"before": pair.before.pk, "after": pair.after.pk, "ward": world.ward_a.pk}
    assert leader.post(RUNS, body, content_type="application/json").status_code == 403
    admin = client_for(world.users["admin"])
    assert admin.get(f"{FLAGS}?status=to_review").json()["count"] == len(flags)

    for role in ("ward_officer", "khu_pho_officer"):
        other = client_for(world.users[role])
        assert other.get(FLAGS).status_code == 403
        assert other.get("/api/v1/detection/counts").status_code == 403
        assert other.get(f"{FLAGS}{flag.pk}/").status_code == 404
        assert other.get(f"{FLAGS}{flag.pk}/chip/after.png").status_code == 404
        assert decide(other, flag.pk, action="confirm", version=1).status_code == 404
        assert other.post(RUNS, body, content_type="application/json").status_code == 403
        assert other.get("/land/detection/").status_code == 403
    citizen = client_for(None)
    for url in (FLAGS, f"{FLAGS}{flag.pk}/", "/api/v1/detection/counts", f"{FLAGS}export.geojson", RUNS):
        assert citizen.get(url).status_code in (401, 403), url
    assert citizen.get("/land/detection/").status_code == 302  # to the login page

    # A land officer of another ward sees none of ward A's flags.
    from gisportal.models import Role
    from tests.factories import user_with_role

    stranger = client_for(user_with_role("land_b", Role.LAND_OFFICER, wards=[world.ward_b]))
    assert stranger.get(FLAGS).json()["count"] == 0
    assert stranger.get(f"{FLAGS}{flag.pk}/").status_code == 404
    assert decide(stranger, flag.pk, action="confirm", version=1).status_code == 404
    assert stranger.post(f"{RUNS}{run.pk}/cancel").status_code == 404
    officer = client_for(world.users["land_officer"])
    page = officer.get("/land/detection/")
    assert page.status_code == 200 and b'id="run-form"' in page.content
    assert b'id="run-form"' not in leader.get("/land/detection/").content


def test_decisions_become_training_samples(world, flagged):
    from imagery.detection.review_samples import reviewed_samples

    _pair, _run, flags = flagged
    officer = client_for(world.users["land_officer"])
    assert list(reviewed_samples()) == []  # undecided flags are no labels
    decide(officer, flags[0].pk, action="confirm", version=1)
    decide(officer, flags[1].pk, action="dismiss", version=1)
    samples = list(reviewed_samples())
    assert len(samples) == 2
    (b1, a1, positive), (_b2, _a2, negative) = samples
    assert b1.shape == a1.shape and b1.dtype == a1.dtype == "uint8" and b1.shape[:2] == positive.shape
    # The confirmed flag's label covers roughly its area; the dismissed one is a hard negative.
    pixel_area = flags[0].area_m2 / positive.sum()
    assert 0.15 < pixel_area < 0.5 and not negative.any()
    assert list(reviewed_samples(ward_ids=[world.ward_b.pk])) == []


def test_train_detector_from_reviews_learns_from_the_decisions(world, flagged, tmp_path):
    """`train_detector --from-reviews` takes the officers' decisions as labelled pairs of the next model."""
    import json

    from django.core.management import call_command

    _pair, _run, flags = flagged
    officer = client_for(world.users["land_officer"])
    decide(officer, flags[0].pk, action="confirm", version=1)
    decide(officer, flags[1].pk, action="dismiss", version=1)
    call_command(
        "train_detector", "--synthetic", "2", "--synthetic-size", "128", "--from-reviews", "--out", str(tmp_path)
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["inputs"]["reviewed_pairs"] == 2
    assert [f["path"] for f in manifest["inputs"]["files"]][-2:] == ["review/0", "review/1"]
