"""The home map's legend as a citizen reads it: each thing named once. A layer drawn by one symbol named as the
layer is ("Ranh giới phường") was a heading and the one line under it saying the same words."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SECTIONS = """() => [...document.querySelectorAll('#legend .legend-layer')].map((s) => ({
  layer: s.dataset.layer,
  heading: s.querySelector('h3')?.textContent ?? null,
  items: [...s.querySelectorAll('li')].map((li) => li.textContent.trim()),
}))"""


@pytest.mark.parametrize(("language", "ward"), [("vi", "Ranh giới phường"), ("en", "Ward boundary")])
def test_the_legend_names_the_ward_boundary_once(live_world, live_server, page, language, ward):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    page.wait_for_selector("#legend .legend-layer[data-layer=ward]")
    assert page.inner_text("#legend .legend-layer[data-layer=ward]").count(ward) == 1
    sections = page.evaluate(SECTIONS)
    for section in sections:
        assert section["heading"] not in section["items"], section
    # A layer of several symbols keeps its heading above them.
    pois = next(s for s in sections if s["layer"] == "pois")
    assert pois["heading"] and len(pois["items"]) > 1
    page.locator("#legend").screenshot(path=f"/tmp/home_legend_{language}.png")
    assert page.console_errors == []
