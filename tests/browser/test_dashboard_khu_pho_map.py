"""The leaders' choropleth drawn from the portal's own vector tiles, per khu phố: the leader switches the map to
khu phố and every khu phố of their wards is drawn from /tiles/admin_khu_pho/, filled with the colour of its class
(the classes worked out again here from the data's breaks) and, by a khu phố scheme, of its level."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from frontend import levels
from frontend.models import LevelScheme
from tests import asgi_live
from tests.factories import BusinessFactory

pytestmark = pytest.mark.browser
# The dashboard's ramp (leader_dashboard.js): five classes light to dark, spread when there are fewer.
COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#cccccc"
LEVELS = [
    {"key": "green", "label": "Xanh", "label_en": "Green", "colour": "#2ca25f", "min": 0, "max": 3},
    {"key": "red", "label": "Đỏ", "label_en": "Red", "colour": "#e31a1c", "min": 3, "max": None},
]


@pytest.fixture
def asgi_server(live_world):
    yield from asgi_live.serve()


def colour_of(value: int | None, breaks: list[float]) -> str:
    if value is None:
        return NO_DATA
    k = next((i for i, b in enumerate(breaks) if value <= b), len(breaks) - 1)
    step = (len(COLOURS) - 1) / (len(breaks) - 1) if len(breaks) > 1 else 0
    return COLOURS[round(k * step)]


@pytest.fixture
def prepared(live_world) -> dict:
    """Active businesses 4 / 1 / 2 in khu phố A1 / A2 / B1; the expected fills, read before the browser starts."""
    w = live_world
    for kp, ward, lon, n in ((w.kp_a1, w.ward_a, 106.695, 3), (w.kp_b1, w.ward_b, 106.73, 1)):
        for i in range(n):
            BusinessFactory(ward=ward, khu_pho=kp, status="active", geom=Point(lon, 10.7815 + i * 1e-4, srid=4326))
    scheme = LevelScheme.objects.create(
        name="Khu phố sôi động", area_level="khu_pho", indicator="active", levels=LEVELS
    )
    levels.classify_wards([w.ward_a.pk, w.ward_b.pk])
    leader = Client()
    leader.force_login(w.users["district_leader"])
    data = leader.get("/leader/dashboard/data", {"area": "khu_pho"}).json()
    breaks = data["breaks"]["active"]["quantile"]
    active = {r["id"]: r["values"]["active"]["count"] for r in data["wards"]}
    return {
        "session": leader.cookies["sessionid"].value,
        "khu_pho": {w.kp_a1.pk, w.kp_a2.pk, w.kp_b1.pk},
        "wards": {w.ward_a.pk, w.ward_b.pk},
        "active": active,
        "fills": {kp: colour_of(n, breaks) for kp, n in active.items()},
        "scheme": scheme.pk,
        "red": w.kp_a1.pk,
    }


def fills(page) -> dict[int, set[str]]:
    """Each drawn area's fill colours, as rendered (an area cut by tile edges has a path per tile)."""
    pairs = page.evaluate(
        "[...document.querySelectorAll('#dash-map path[data-area]')]"
        ".map((p) => [Number(p.dataset.area), p.getAttribute('fill')])"
    )
    out: dict[int, set[str]] = {}
    for area, fill in pairs:
        out.setdefault(area, set()).add(fill)
    return out


def test_the_leader_switches_the_map_to_khu_pho_coloured_from_the_tiles(prepared, asgi_server, browser):
    context = browser.new_context(base_url=asgi_server.url, locale="en-US")
    context.add_cookies(
        [
            {"name": "sessionid", "value": prepared["session"], "url": asgi_server.url},
            {"name": "django_language", "value": "en", "url": asgi_server.url},
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    tiles: list[str] = []
    page.on("request", lambda r: "/tiles/" in r.url and tiles.append(r.url))
    page.goto("/leader/dashboard/")
    page.wait_for_function("() => document.querySelectorAll('#dash-map path[data-area]').length >= 2")
    assert set(fills(page)) == prepared["wards"]  # wards first, from their own tiles
    assert tiles and all("/tiles/admin_wards/" in u for u in tiles)

    page.select_option("#dash-area", "khu_pho")
    page.wait_for_function("() => document.getElementById('dash-map').dataset.areaLevel === 'khu_pho'")
    page.select_option("#dash-indicator", "active")
    page.wait_for_function(
        "(n) => new Set([...document.querySelectorAll('#dash-map path[data-area]')].map((p) => p.dataset.area))"
        ".size === n",
        arg=len(prepared["khu_pho"]),
    )
    assert any("/tiles/admin_khu_pho/" in u for u in tiles)
    drawn = fills(page)
    assert set(drawn) == prepared["khu_pho"]  # the khu phố of the leader's wards, no ward shape left
    for kp, colours in drawn.items():
        assert colours == {prepared["fills"][kp]}, (kp, colours, prepared["active"])
    assert len({next(iter(c)) for c in drawn.values()}) >= 2  # the classes tell the khu phố apart
    # The table follows: one row per khu phố, named with its ward.
    assert page.locator("#dash-table tbody tr").count() == 3
    assert "(" in page.locator(f"#dash-table tbody tr[data-ward='{prepared['red']}'] th").inner_text()

    # Coloured by the khu phố scheme: khu phố A1 (4 active) is red, the others green.
    page.select_option("#dash-map-by", str(prepared["scheme"]))
    drawn = fills(page)
    assert drawn[prepared["red"]] == {"#e31a1c"}
    assert all(c == {"#2ca25f"} for kp, c in drawn.items() if kp != prepared["red"])
    assert page.locator("#dash-legend .dash-legend-class").all_inner_texts() == ["Green", "Red"]
    assert "area=khu_pho" in page.locator("#export-csv").get_attribute("href")
    assert not errors, errors
    context.close()
