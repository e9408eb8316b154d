"""The leaders' dashboard in the browser, served as in production (ASGI, tests/asgi_live.py): the choropleth with
its legend, the table that sorts, and the live update — the dashboard open in one browser context, an officer's
save in another, and the figure changes on the leader's screen within 2 seconds."""

from __future__ import annotations

import time

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from frontend import levels
from frontend.models import LevelScheme
from tests import asgi_live
from tests.factories import BusinessFactory, industry

# Playwright's sync API runs an event loop in the test thread: the database is read before the test (`prepared`)
# and not touched while the pages run. `browser` is tests/browser/conftest.py's Debian Chromium.
pytestmark = pytest.mark.browser
CSRF = "d" * 32  # a cookie and header pair, as the pages' own request.js sends it
ACTIVE_LEVELS = [
    {"key": "green", "label": "Xanh", "label_en": "Green", "colour": "#2ca25f", "min": 0, "max": 3},
    {"key": "red", "label": "Đỏ", "label_en": "Red", "colour": "#e31a1c", "min": 3, "max": None},
]


@pytest.fixture
def asgi_server(live_world):
    yield from asgi_live.serve()


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def context_of(browser, base_url: str, session: str):
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": base_url},
            {"name": "csrftoken", "value": CSRF, "url": base_url},
            {"name": "django_language", "value": "en", "url": base_url},
        ]
    )
    return context


@pytest.fixture
def prepared(live_world) -> dict:
    """Everything the test needs from the database, read before Playwright's event loop starts (a query made
    inside it opens a connection of that loop's context, which nothing closes)."""
    world = live_world
    BusinessFactory(ward=world.ward_b, khu_pho=world.kp_b1, status="suspended", geom=Point(106.73, 10.782, srid=4326))
    # Levels on active businesses: ward A (2 active) is green until a third opens.
    scheme = LevelScheme.objects.create(name="Hoạt động", indicator="active", levels=ACTIVE_LEVELS)
    levels.classify([world.ward_a.pk, world.ward_b.pk])
    return {
        "scheme": scheme.pk,
        "ward_a": world.ward_a.pk,
        "ward_b": world.ward_b.pk,
        "leader": session_of(world.users["district_leader"]),
        "officer": session_of(world.users["ward_officer"]),
        "industry": industry("5610").pk,
    }


def drawn(page, level: str | None = None) -> set[int]:
    """The areas drawn on the map, of a level or all (its shapes are vector-tile paths: an area cut by tile edges
    has several)."""
    script = "(level) => [...document.querySelectorAll('#dash-map path[data-area]')]"
    script += ".filter((p) => level === null || p.dataset.level === level).map((p) => Number(p.dataset.area))"
    return set(page.evaluate(script, level))


def cell(page, ward: int, key: str) -> str:
    return page.locator(f"#dash-table tbody tr[data-ward='{ward}'] td[data-figure='{key}']").inner_text()


def test_the_dashboard_draws_its_wards_and_follows_an_officers_save_live(prepared, asgi_server, browser):
    ward_a, ward_b = prepared["ward_a"], prepared["ward_b"]
    leader_context = context_of(browser, asgi_server.url, prepared["leader"])
    page = leader_context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto("/leader/dashboard/")
    page.wait_for_selector("#dash-table tbody tr")
    page.wait_for_function("() => document.getElementById('dash-live').textContent.length > 0")  # the stream is open

    # The choropleth: the wards drawn from the admin units' tiles, a legend of quantile classes for the indicator.
    page.select_option("#dash-indicator", "suspended")
    page.wait_for_function("() => document.querySelectorAll('#dash-map path[data-area]').length >= 2")
    assert drawn(page) == {ward_a, ward_b}
    assert page.locator("#dash-legend .dash-legend-class").count() >= 2
    assert "suspended" in page.locator("#dash-legend strong").inner_text().lower()
    # The table sorts: by the ward's suspended businesses, most first.
    page.click("#dash-table th button[data-sort='suspended']")
    first = page.locator("#dash-table tbody tr").first.get_attribute("data-ward")
    assert first == str(ward_b)
    assert "sort=suspended" in page.locator("#export-csv").get_attribute("href")

    level = f"#dash-table tbody tr[data-ward='{ward_a}'] td[data-scheme='{prepared['scheme']}'] .level-badge"
    assert page.locator(level).get_attribute("data-level") == "green"
    # The map coloured by the wards' levels, its legend the scheme's levels.
    page.select_option("#dash-map-by", str(prepared["scheme"]))
    assert drawn(page, "green") == {ward_a, ward_b}
    assert page.locator("#dash-legend .dash-legend-class").all_inner_texts() == ["Green", "Red"]
    before = int(cell(page, ward_a, "active"))
    officer = context_of(browser, asgi_server.url, prepared["officer"])
    saved = officer.request.post(
        f"{asgi_server.url}/api/v1/businesses/",
        headers={"X-CSRFToken": CSRF, "Referer": f"{asgi_server.url}/businesses/edit/"},
        data={
            "registration_no": "41A7770002",
            "signboard": "Quán Mới Mở",
            "owner_name": "Chủ Quán Mới",
            "industry": prepared["industry"],
            "address_current": "5 Đường Thử",
            "registered_on": "2026-11-23",
            "geom": {"type": "Point", "coordinates": [106.695, 10.781]},
        },
    )
    t = time.monotonic()
    assert saved.status == 201, saved.text()
    page.wait_for_function(
        f"() => document.querySelector(\"#dash-table tbody tr[data-ward='{ward_a}'] td[data-figure='active']\")"
        f".textContent.trim() === '{before + 1}'",
        timeout=2_000,
    )
    level = f"#dash-table tbody tr[data-ward='{ward_a}'] td[data-scheme='{prepared['scheme']}'] .level-badge"
    page.wait_for_function(f"document.querySelector(\"{level}\")?.dataset.level === 'red'", timeout=2_000)
    elapsed = time.monotonic() - t
    assert elapsed < 2.0
    print(f"edit to screen (figure and level): {elapsed:.2f} s")
    assert drawn(page, "red") == {ward_a}  # the map follows
    change = page.locator(f"#dash-level-changes li[data-ward='{ward_a}']").first
    assert change.get_attribute("data-to") == "red" and "Red" in change.inner_text()
    assert int(page.locator("#dash-live").get_attribute("data-updates")) >= 1
    assert not errors, errors
    officer.close()
    leader_context.close()


@pytest.mark.parametrize("size", [(390, 844), (1366, 800)])
def test_the_dashboard_on_a_phone_and_a_desk_classes_chart_and_png(prepared, asgi_server, browser, size):
    context = context_of(browser, asgi_server.url, prepared["leader"])
    page = context.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto("/leader/dashboard/")
    page.wait_for_selector("#dash-table tbody tr")
    # The page itself never scrolls sideways; the wide table scrolls inside its box on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    wide = page.evaluate(
        "(() => { const b = document.querySelector('.table-scroll'); return [b.scrollWidth, b.clientWidth]; })()"
    )
    if size[0] < 500:
        assert wide[0] > wide[1]
    # Classes by natural breaks: the legend follows the method chosen.
    page.select_option("#dash-indicator", "active")
    quantile = page.locator("#dash-legend").inner_text()
    page.select_option("#dash-breaks", "jenks")
    assert page.locator("#dash-legend .dash-legend-class").count() >= 2
    assert page.locator("#dash-legend strong").inner_text() in quantile
    # The chart over time: no snapshot yet, and the page says so.
    page.wait_for_selector("#dash-history-note", state="visible")
    assert page.locator("#dash-history").get_attribute("data-points") == "0"
    with page.expect_download() as download:
        page.click("#export-png")
    path = download.value.path()
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(head[16:20], "big") == 1200
    assert download.value.suggested_filename.endswith(".png")
    assert not errors, errors
    context.close()
