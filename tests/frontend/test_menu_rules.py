"""The menu offers a page to the roles its view serves (gisportal/permissions.py's rules, written out here per role
so a changed rule shows)."""

from __future__ import annotations

import pytest
from django.test import Client

# role → (house-number report, imagery & parcels / new structures, the citizen reports' queue)
EXPECTED = {
    "anonymous": (False, False, False),
    "khu_pho_officer": (False, False, True),
    "ward_officer": (True, False, True),
    "land_officer": (False, True, False),
    "district_leader": (True, True, True),
    "admin": (True, True, True),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_menu_follows_the_role_rules(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    html = client.get("/businesses/").content.decode()
    houses, land, reports = EXPECTED[role]
    assert ('id="nav-houses"' in html) is houses
    assert ('id="nav-land"' in html) is land and ('id="nav-detection"' in html) is land
    # Who has a queue is offered it; everybody else, the citizens' page to file a report.
    assert ('id="nav-reports"' in html) is reports and ('id="nav-report"' in html) is not reports
    assert client.get("/reports/queue/").status_code == (200 if reports else 302 if role == "anonymous" else 404)


@pytest.mark.parametrize(("role", "status"), [("ward_officer", 403), ("district_leader", 200), ("admin", 200)])
def test_the_dashboard_is_the_leaders(world, role, status):
    client = Client()
    client.force_login(world.users[role])
    assert client.get("/leader/dashboard/").status_code == status
