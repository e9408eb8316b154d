"""An approximate unit on the map, in a real browser at 1366×800: among the city's real units (the committed
2025 table, as seed_demo loads it), a neighbour whose boundary was pieced together from split predecessors is
drawn dashed, the legend says so while it is drawn, and its popup carries the note."""

from __future__ import annotations

import pytest
from shapely import affinity

from gisportal.demo import CITY_STEPS, DemoContext, run
from layers import demo as layers_demo
from layers.models import AdminUnit

pytestmark = pytest.mark.browser
STEPS = [*CITY_STEPS, "layers.demo.seed_admin_units", "layers.demo.seed_pois"]
NEIGHBOUR = "27139"  # Phường Xuân Hòa: part of Phường 4 of Quận 3 went to it, part to Bàn Cờ


def approximate_neighbour() -> AdminUnit:
    """Xuân Hòa drawn as the demo ward's outline moved 2 km west (generated, not real), marked approximate."""
    ward = AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)
    shape = affinity.translate(layers_demo.metric(ward.boundary), xoff=-2000)
    unit = AdminUnit.objects.get(level="ward", code=NEIGHBOUR, valid_to=None)
    unit.boundary = layers_demo.multi(layers_demo.to_deg(shape)).wkt
    unit.approximate = True
    unit.save()
    return unit


def test_an_approximate_unit_is_dashed_noted_in_the_legend_and_its_popup(
    transactional_db, live_server, browser, settings
):
    settings.PORTAL_HOME_WARDS = [layers_demo.WARD_CODE, NEIGHBOUR]
    run(DemoContext(password="pw-demo-1", log=lambda _m: None), STEPS)
    unit = approximate_neighbour()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        page.goto("/")
        page.wait_for_selector("#map[data-loaded='true']")
        # Drawn: the demo ward solid, the neighbour dashed (168 units are loaded; those without a boundary
        # draw nothing and break nothing).
        dashed = page.locator("path.ward-boundary[stroke-dasharray='8 6']")
        assert dashed.count() == 1
        assert page.locator("path.ward-boundary:not([stroke-dasharray])").count() >= 1
        line = page.locator("#legend li.legend-approximate")
        assert line.count() == 1
        assert line.inner_text().strip() == "Ranh giới gần đúng"
        assert line.locator("path").get_attribute("stroke-dasharray") == "8 6"
        # The popup of the unit: a click on its outline (not filled: only the line takes clicks), at the middle
        # of one of its edges, where the map draws it.
        assert dashed.bounding_box()["width"] > 50
        (x1, y1), (x2, y2) = unit.boundary[0][0].coords[:2]
        point = page.evaluate(f"portalMap.latLngToContainerPoint([{(y1 + y2) / 2}, {(x1 + x2) / 2}])")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert unit.name in popup.inner_text()
        assert (
            "Ranh giới gần đúng: ghép từ các phường trước sáp nhập 2025."
            in popup.locator(".approximate-note").inner_text()
        )
        page.screenshot(path="/tmp/units_approximate.png")
        # The ward boundary switched off: its legend section, approximate line included, goes with it.
        page.get_by_label("Ranh giới phường").uncheck()
        assert page.locator("#legend li.legend-approximate").count() == 0
        assert errors == []

        # Without an approximate unit drawn, the legend has no such line.
        AdminUnit.objects.filter(pk=unit.pk).update(approximate=False)
        page.reload()
        page.wait_for_selector("#map[data-loaded='true']")
        assert page.locator("path.ward-boundary").count() >= 2
        assert page.locator("path.ward-boundary[stroke-dasharray]").count() == 0
        assert page.locator("#legend li.legend-approximate").count() == 0
        assert errors == []
    finally:
        context.close()
