"""The figures over time: snapshots taken by the worker (on a leader's request, and by beat every 6 hours), and
one figure's series per ward and for the wards shown, against the tables at each moment."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.utils import timezone

from frontend import snapshots
from frontend.models import FigureSnapshot
from gisportal.celery import app
from tests.factories import BusinessFactory

ROOT = Path(__file__).resolve().parents[2]
HISTORY = "/leader/dashboard/history"


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def suspended_per_ward() -> dict[int, int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ward_id, count(*) FROM businesses_business WHERE NOT is_deleted AND status = 'suspended'"
            " GROUP BY ward_id"
        )
        return dict(cur.fetchall())


def test_a_figure_over_time_is_what_the_tables_held_at_each_snapshot(world):
    a, b = world.ward_a, world.ward_b
    start = timezone.now() - dt.timedelta(hours=12)
    expected = []
    for step in range(3):
        for i in range(step):
            BusinessFactory(ward=a if i % 2 else b, status="suspended", geom=Point(106.7, 10.78, srid=4326))
        snapshots.take(start + dt.timedelta(hours=6 * step))
        expected.append(suspended_per_ward())
    leader = client_as(world.users["district_leader"])
    body = leader.get(HISTORY, {"figure": "suspended"}).json()
    assert len(body["times"]) == 3 and body["times"] == sorted(body["times"])
    for ward in (a, b):
        assert body["wards"][str(ward.pk)] == [e.get(ward.pk, 0) for e in expected], ward.name
    assert body["district"] == [sum(e.get(w.pk, 0) for w in (a, b)) for e in expected]
    one = leader.get(HISTORY, {"figure": "suspended", "ward": a.pk}).json()
    assert list(one["wards"]) == [str(a.pk)] and one["district"] == one["wards"][str(a.pk)]

    refused = leader.get(HISTORY, {"figure": "hh_poor"})  # a withheld count is never kept
    assert refused.status_code == 400 and "withheld" in refused.json()["message_en"]
    assert leader.get(HISTORY, {"figure": "nothing"}).status_code == 400
    assert not any("hh_poor" in s.values for s in FigureSnapshot.objects.all())
    assert client_as(world.users["ward_officer"]).get(HISTORY, {"figure": "suspended"}).status_code == 403
    assert Client().post("/leader/dashboard/snapshots").status_code == 401


def test_a_leader_takes_a_snapshot_now_through_the_worker(live_world, celery_worker):
    leader = client_as(live_world.users["district_leader"])
    response = leader.post("/leader/dashboard/snapshots")
    assert response.status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not FigureSnapshot.objects.exists():
        time.sleep(0.2)
    taken = {s.ward_id: s.values for s in FigureSnapshot.objects.all()}
    assert taken[live_world.ward_a.pk]["active"] == 2 and taken[live_world.ward_b.pk]["active"] == 1
    assert len(leader.get(HISTORY, {"figure": "active"}).json()["times"]) == 1


def test_beat_sends_the_snapshot_every_6_hours_once():
    entry = settings.CELERY_BEAT_SCHEDULE["figure-snapshots"]
    assert entry["schedule"] == 6 * 3600
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    # One scheduler: the local worker embeds it; in docker a service of its own, never in the scaled workers.
    assert " -B " in (ROOT / "scripts" / "worker.sh").read_text()
    services = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())["services"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "gisportal", "beat"]
    assert "-B" not in services["worker"]["command"] and "replicas" not in services["beat"].get("deploy", {})
