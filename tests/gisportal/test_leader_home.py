"""A district leader's home is their wards in figures (businesses by status, house numbers with problems, waste
points overflowing), each a link to the page behind it; everyone else's home is the map."""

from __future__ import annotations

import re

from django.test import Client

from businesses.models import Business
from tests.layers.world import waste_point


def figures(html: str, ward_id: int) -> dict[str, str]:
    row = re.search(rf'<tr data-ward="{ward_id}">(.*?)</tr>', html, re.S).group(1)
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in re.findall(r'data-figure="(\w+)">(.*?)</td>', row, re.S)}


def test_a_leader_sees_their_wards_figures_with_links(world):
    Business.objects.filter(pk=world.businesses[1].pk).update(status="suspended")
    for i in range(3):
        waste_point(world.ward_a, world.kp_a1, 106.695 + i * 1e-4, 10.78, condition="overflowing")
    waste_point(world.ward_a, world.kp_a1, 106.696, 10.78, condition="damaged")
    waste_point(world.ward_b, world.kp_b1, 106.73, 10.78, condition="overflowing", is_deleted=True)

    leader = Client()
    leader.force_login(world.users["district_leader"])
    response = leader.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Phường của bạn trong số liệu" in html  # Vietnamese by default
    a = figures(html, world.ward_a.pk)
    expected = {
        "active": "1",
        "suspended": "1",
        "house_problems": "0 / 0",
        "overflowing": "3",
        "damaged": "1",
        "reports_open": "0",
        "reports_overdue": "0",
        "reports_closed_on_time": "0",
        "waste_worn": "0",
        "flags_pending": "0",
    }
    assert {k: a.get(k) for k in expected} == expected  # the dashboard's figures (test_dashboard.py) come too
    b = figures(html, world.ward_b.pk)
    assert b["active"] == "1" and b["overflowing"] == "0"  # a deleted point does not count
    assert f'href="/businesses/stats/?ward={world.ward_a.pk}"' in html
    assert f'href="/households/report/?ward={world.ward_a.pk}"' in html

    # The map stays one link away, and the linked pages open on the ward.
    assert 'id="map"' in leader.get("/?view=map").content.decode()
    stats = leader.get(f"/businesses/stats/?ward={world.ward_a.pk}").content.decode()
    assert f'<option value="{world.ward_a.pk}" selected>' in stats


def test_everyone_else_gets_the_map(world):
    assert 'id="map"' in Client().get("/").content.decode()
    officer = Client()
    officer.force_login(world.users["ward_officer"])
    assert 'id="map"' in officer.get("/").content.decode()


def test_vietnamese_figures_group_thousands_as_the_scripts_do():
    """The leader's table (floatformat "g") and the scripts (Intl.NumberFormat("vi")) both print 4.462."""
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    with translation.override("vi"):
        assert floatformat(4462, "0g") == "4.462"
        assert floatformat(1234567.5, "1g") == "1.234.567,5"
    with translation.override("en"):
        assert floatformat(4462, "0g") == "4,462"


def test_a_figures_page_opens_on_its_ward_and_status(world):
    """The links of the leader's figures carry the ward and the status counted: the page behind opens filtered."""
    leader = Client()
    leader.force_login(world.users["district_leader"])
    html = leader.get("/").content.decode()
    ward = world.ward_b.pk
    stats = f"/businesses/stats/?ward={ward}&amp;status=suspended"
    review = f"/land/detection/?ward={ward}&amp;status=confirmed"
    assert f'href="{stats}"' in html and f'href="{review}"' in html
    page = leader.get(stats.replace("&amp;", "&")).content.decode()
    assert f'<option value="{ward}" selected>' in page
    assert re.search(r'value="suspended" checked>', page) and not re.search(r'value="active" checked>', page)
    page = leader.get(review.replace("&amp;", "&")).content.decode()
    assert f'<option value="{ward}" selected>' in page and '<option value="confirmed" selected>' in page
