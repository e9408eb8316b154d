"""Leaders and officers receive live change events over HTTP, scoped to their wards, values never."""

from __future__ import annotations

import json
import threading
import urllib.request

from django.contrib.gis.geos import Point
from django.test import Client

from businesses.models import Business
from gisportal.models import Role
from tests.factories import AdminUnitFactory, BusinessFactory, square, user_with_role


def open_stream(live_server, user, max_seconds: int):
    client = Client()
    client.force_login(user)
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/events?max_seconds={max_seconds}",
        headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
    )
    return urllib.request.urlopen(request, timeout=max_seconds + 5)


def read_events(response, out: list, connected: threading.Event) -> None:
    """Collect the `change` events of one stream until the server ends it."""
    event = None
    for raw in response:
        line = raw.decode().rstrip("\n")
        if line == ": connected":
            connected.set()
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "change":
            out.append(json.loads(line[6:]))


def listen(live_server, user, max_seconds: int) -> tuple[list, threading.Thread]:
    events: list = []
    connected = threading.Event()
    thread = threading.Thread(target=read_events, args=(open_stream(live_server, user, max_seconds), events, connected))
    thread.start()
    assert connected.wait(5), "the stream never said it was connected"
    return events, thread


def test_changes_reach_the_leader_and_the_ward_officer_of_that_ward_only(transactional_db, live_server):
    ward_a = AdminUnitFactory(boundary=square(106.70, 10.78, 0.005))
    ward_b = AdminUnitFactory(boundary=square(106.72, 10.78, 0.005))
    leader = user_with_role("leader_live", Role.DISTRICT_LEADER)
    officer_b = user_with_role("officer_live_b", Role.WARD_OFFICER, wards=[ward_b])
    leader_events, t1 = listen(live_server, leader, 3)
    officer_events, t2 = listen(live_server, officer_b, 3)

    business = BusinessFactory(ward=ward_a, owner_name="Chủ Bí Mật", geom=Point(106.70, 10.78, srid=4326))
    Business.objects.filter(pk=business.pk).update(signboard="Đổi tên")
    t1.join()
    t2.join()

    assert [(e["layer"], e["op"], e["wards"], e["count"]) for e in leader_events] == [
        ("businesses", "insert", [ward_a.pk], 1),
        ("businesses", "update", [ward_a.pk], 1),
    ]
    assert officer_events == []  # ward A's changes are not ward B's business
    assert "Chủ Bí Mật" not in json.dumps(leader_events, ensure_ascii=False)


def test_citizens_and_bad_parameters_are_refused(db):
    assert Client().get("/api/v1/events").status_code == 401
    land = Client()
    land.force_login(user_with_role("land_live", Role.LAND_OFFICER))
    assert land.get("/api/v1/events").status_code == 403
    leader = Client()
    leader.force_login(user_with_role("leader_live2", Role.DISTRICT_LEADER))
    response = leader.get("/api/v1/events?max_seconds=9999")
    assert response.status_code == 400 and response.json()["message_en"]
    # A write opens no stream (a plain async view answers every method unless it refuses them itself).
    for method in (leader.post, leader.put, leader.patch, leader.delete):
        refused = method("/api/v1/events?max_seconds=1")
        assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD", method
