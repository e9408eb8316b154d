"""A land officer on the demo data, at 1366 × 800: swipes two demo epochs and asks "when was it built?" of a new
demo building.

The data is built by the real code, as `make run` builds it: the demo ward's world (households.demo_world), then its
aerial epochs rendered from the same footprints and ingested through the imagery pipeline (imagery.demo), at
2 m/px over a 700 m square instead of 0.5 m over the whole ward so they render in seconds
(tests/imagery/test_demo_epochs.py does the same).
"""

from __future__ import annotations

import pytest

from gisportal.demo import DemoContext, run
from gisportal.models import Role
from imagery import demo as imagery_demo
from imagery.models import Acquisition
from layers import demo as layers_demo
from layers.models import AdminUnit, BasemapFeature
from tests.browser.session import logged_in
from tests.factories import user_with_role

pytestmark = pytest.mark.browser

STEPS = [
    "layers.demo.seed_admin_units",
    "households.demo.seed_streets",
    "households.demo.seed_house_numbers",
    "layers.demo.seed_pois",
    "households.demo_world.seed_world",
    "imagery.demo.seed_epochs",
]

# The mean colour of the middle of a strip thumbnail (the clicked spot), read back through a canvas.
CENTRE_RGB = """(img) => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const w = Math.max(2, Math.round(c.width / 12)), h = Math.max(2, Math.round(c.height / 12));
  const d = ctx.getImageData(Math.round(c.width / 2 - w / 2), Math.round(c.height / 2 - h / 2), w, h).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
  return sum.map((s) => s / (d.length / 4));
}"""


@pytest.fixture
def demo_epochs(transactional_db, monkeypatch, settings, tmp_path):
    settings.IMAGERY_ROOT = tmp_path / "imagery"
    monkeypatch.setattr(imagery_demo, "PIXEL_M", 2.0)
    monkeypatch.setattr(imagery_demo, "WINDOW_M", 700.0)
    ctx = DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)
    run(ctx, STEPS[:-1])
    ward = AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)
    ctx.data["ward"] = ward
    run(ctx, STEPS[-1:])
    return ward


def test_a_land_officer_swipes_demo_epochs_and_dates_a_new_building(browser, live_server, demo_epochs):
    ward = demo_epochs
    epochs = list(Acquisition.objects.filter(ward=ward).order_by("acquired_on"))
    assert [a.year for a in epochs] == [2019, 2022, 2025]
    # A building new in the demo (first standing in 2023 or later), well inside what the epochs photographed.
    building = BasemapFeature.objects.filter(
        ward=ward,
        kind="building",
        attrs__new=True,
        first_year__gte=2023,
        geom__within=epochs[0].footprint.buffer(-0.001),
    ).first()
    assert building is not None
    centre = building.geom.centroid

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        logged_in(page, user_with_role("diachinh-epochs", Role.LAND_OFFICER, wards=[ward]), live_server.url)
        page.goto("/land/imagery/")
        page.wait_for_selector("#map[data-ready='true']")
        # The oldest epoch on the left, the newest on the right; the address box is on this map too.
        assert page.input_value("#left") == str(epochs[0].pk) and page.input_value("#right") == str(epochs[-1].pk)
        assert page.locator("#address-search").is_visible()
        # Swipe 2022 against 2025.
        page.select_option("#left", str(epochs[1].pk))
        page.wait_for_function(f"() => document.getElementById('map').dataset.left === '{epochs[1].pk}'")
        page.evaluate(f"void portalMap.setView([{centre.y}, {centre.x}], 18, {{ animate: false }})")
        page.wait_for_function(
            "() => document.querySelectorAll('.acq-left img.leaflet-tile-loaded').length > 0"
            " && document.querySelectorAll('.acq-right img.leaflet-tile-loaded').length > 0"
        )
        box = page.locator("#map").bounding_box()
        handle_y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, handle_y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.9, handle_y, steps=8)
        page.mouse.up()
        assert float(page.input_value(".leaflet-sbs-range")) > 0.8
        assert page.evaluate("document.querySelector('.acq-left').style.clip").startswith("rect(")
        assert page.locator("#strip").is_hidden(), "dragging the divider is not a click on the map"

        # "When was it built?" on the new building: the spot in every epoch, oldest first.
        point = page.evaluate(
            f"(() => {{ const p = portalMap.latLngToContainerPoint([{centre.y}, {centre.x}]); return [p.x, p.y]; }})()"
        )
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_selector("#strip[data-loaded='true']")
        dates = page.eval_on_selector_all(".strip-item", "els => els.map(e => e.dataset.date)")
        assert [d[:4] for d in dates] == ["2019", "2022", "2025"]
        page.wait_for_function(
            "() => [...document.querySelectorAll('.strip-item img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        # The building stands in 2025 and not in 2022: the middle of the thumbnail changes between them far
        # more than between 2019 and 2022 (the same ground, under another sun and season).
        rgb = [page.locator(".strip-item img").nth(i).evaluate(CENTRE_RGB) for i in range(3)]

        def change(a: list[float], b: list[float]) -> float:
            return sum(abs(x - y) for x, y in zip(a, b, strict=True))

        assert change(rgb[1], rgb[2]) > 30, rgb
        assert change(rgb[1], rgb[2]) > change(rgb[0], rgb[1]), rgb
        page.screenshot(path="/tmp/land_epochs_desktop.png")

        # The review queue of new structures has the same basemap (drawn on canvas tiles) and address box.
        page.goto("/land/detection/")
        page.wait_for_selector("#map canvas.leaflet-tile")
        assert page.locator("#address-search").is_visible()
        assert errors == []
    finally:
        context.close()
