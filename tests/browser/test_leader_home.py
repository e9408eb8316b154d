"""A district leader's home in the browser, served as in production (ASGI, tests/asgi_live.py): every link leads to
a portal page they can open (never the API's JSON), the figures follow an officer's save without a reload, and the
wide table reads at 1366×800 (its last column in reach, a short header). And the dashboard a figure links to
never asks for the history of no figure (`figure=null`), however its first answers arrive."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point

from tests.browser.test_dashboard_live import CSRF, context_of, session_of
from tests.factories import AdminUnitFactory, BusinessFactory, square
from tests.layers.world import waste_point

pytestmark = pytest.mark.browser
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what a browser's click asks for
EXTRA_WARDS = 30  # a district's worth: the table is taller than the window


@pytest.fixture
def asgi_server(live_world):
    from tests import asgi_live

    yield from asgi_live.serve()


@pytest.fixture
def prepared(live_world) -> dict:
    """Read before Playwright's event loop starts (see test_dashboard_live.py's `prepared`)."""
    world = live_world
    for i in range(EXTRA_WARDS):  # far from ward A, where the officer's bin goes
        AdminUnitFactory(
            name=f"Phường Thạnh Mỹ Lợi {i}", parent=world.city, boundary=square(107.5 + i * 0.03, 11.5, 0.01)
        )
    waste_point(world.ward_a, world.kp_a1, 106.695, 10.78, condition="overflowing")
    BusinessFactory(ward=world.ward_b, khu_pho=world.kp_b1, status="suspended", geom=Point(106.73, 10.782, srid=4326))
    return {
        "ward_a": world.ward_a.pk,
        "ward_b": world.ward_b.pk,
        "leader": session_of(world.users["district_leader"]),
        "officer": session_of(world.users["ward_officer"]),
    }


def open_home(browser, server, session: str, size=(1366, 800), language: str = "en"):
    context = context_of(browser, server.url, session)
    if language != "en":
        context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
    page = context.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.goto("/")
    page.wait_for_selector("#leader-figures tbody tr[data-ward]")
    return context, page


def figure(page, ward: int, key: str) -> str:
    return page.locator(f"#leader-figures tbody tr[data-ward='{ward}'] td[data-figure='{key}']").inner_text().strip()


def figure_links(page) -> list[tuple[str, str, str]]:
    """(ward, figure, href) of every figure's link in the table."""
    return page.eval_on_selector_all(
        "#leader-figures tbody tr[data-ward] td[data-figure] a[href]",
        """as => as.map((a) => [a.closest('tr').dataset.ward, a.closest('td').dataset.figure,
                              a.getAttribute('href')])""",
    )


def links_to_open(cells: list[tuple[str, str, str]], full_wards: set[str]) -> set[str]:
    """Every figure's link for the wards that hold the world's rows, and each other ward's through one figure in
    turn. The other wards (EXTRA_WARDS) are copies of one empty ward: their ~600 links differ only in the ward's id,
    and opening them all, one request each, was most of the test's time. Each id is still opened once."""
    keys = list(dict.fromkeys(key for _, key, _ in cells))
    others = list(dict.fromkeys(ward for ward, _, _ in cells if ward not in full_wards))
    turn = {ward: keys[i % len(keys)] for i, ward in enumerate(others)}
    return {href for ward, key, href in cells if ward in full_wards or turn[ward] == key}


def test_every_link_on_the_leaders_home_opens_a_portal_page(prepared, asgi_server, browser):
    context, page = open_home(browser, asgi_server, prepared["leader"])
    figures = set(page.eval_on_selector_all("#leader-figures a[href]", "as => as.map((a) => a.getAttribute('href'))"))
    others = set(page.eval_on_selector_all("a[href]", "as => as.map((a) => a.getAttribute('href'))")) - figures
    assert len(figures) >= 20
    cells = figure_links(page)
    opened = links_to_open(cells, {str(prepared["ward_a"]), str(prepared["ward_b"])})
    opened |= figures - {href for _, _, href in cells}  # a link of the table outside a ward's row, if any
    assert {key for _, key, href in cells if href in opened} == {key for _, key, _ in cells}  # every figure
    assert {ward for ward, _, href in cells if href in opened} == {ward for ward, _, _ in cells}  # every ward
    for href in figures:
        # A figure opens a page of the portal, not the API (whose browsable page is HTML too).
        assert not urlsplit(href).path.startswith("/api/"), href
    for href in sorted(opened | others):
        # As a click asks: a page, no redirect (to a login, or elsewhere).
        answer = context.request.get(f"{asgi_server.url}{href}", headers={"Accept": HTML}, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        assert answer.status == 200 and kind.startswith("text/html"), (href, answer.status, kind)
        if href in figures:
            assert 'class="topbar"' in answer.text(), href  # the portal's top bar

    # A household figure opens the dashboard on that figure for that ward, per khu phố.
    ward = prepared["ward_a"]
    page.click(f"#leader-figures tr[data-ward='{ward}'] td[data-figure='hh_households'] a")
    page.wait_for_selector("body[data-dashboard-loaded]")
    assert page.input_value("#dash-indicator") == "hh_households"
    assert page.input_value("#dash-ward") == str(ward)
    assert page.input_value("#dash-area") == "khu_pho"
    assert page.locator("#dash-legend strong").inner_text() == "Resident households"
    assert not page.errors, page.errors
    context.close()


def test_the_leaders_home_follows_an_officers_save_live(prepared, asgi_server, browser):
    ward = prepared["ward_a"]
    context, page = open_home(browser, asgi_server, prepared["leader"])
    page.wait_for_function("() => document.getElementById('leader-live').textContent.length > 0")  # the stream is open
    assert figure(page, ward, "overflowing") == "1"
    assert figure(page, ward, "waste_bin") == "1"

    officer = context_of(browser, asgi_server.url, prepared["officer"])
    bin_ = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [106.696, 10.781]},
        "properties": {"kind": "bin", "name": "Thùng rác tràn", "condition": "overflowing"},
    }
    saved = officer.request.post(
        f"{asgi_server.url}/ogc/collections/waste_points/items",
        headers={
            "Content-Type": "application/geo+json",
            "X-CSRFToken": CSRF,
            "Referer": f"{asgi_server.url}/layers/edit/",
        },
        data=json.dumps(bin_),
    )
    assert saved.status == 201, saved.text()
    cell = f"#leader-figures tbody tr[data-ward='{ward}'] td[data-figure='overflowing']"
    page.wait_for_function(f"() => document.querySelector(\"{cell}\").textContent.trim() === '2'", timeout=3_000)
    assert figure(page, ward, "waste_bin") == "2"
    assert int(page.locator("#leader-live").get_attribute("data-updates")) >= 1
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    assert not page.errors, page.errors
    officer.close()
    context.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_wide_table_reads_at_1366_by_800(prepared, asgi_server, browser, language):
    context, page = open_home(browser, asgi_server, prepared["leader"], language=language)
    page.wait_for_timeout(300)  # the stream's greeting may add the live mark to the line above the table
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # the page itself never scrolls sideways
    head = page.locator("#leader-figures thead").bounding_box()
    assert head["height"] <= 100, head  # was ~250 px of long labels
    # The full wording is each short header's tooltip.
    full = page.locator("#leader-figures thead th[data-figure='flags_confirmed'] abbr").get_attribute("title")
    assert full in ("Unlicensed construction confirmed", "Công trình không phép đã xác nhận")
    # The table scrolls inside a box that ends on screen, so its horizontal scrollbar is in view.
    box = page.locator(".table-scroll")
    frame = box.bounding_box()
    assert frame["y"] + frame["height"] <= 800, frame
    box.evaluate("(b) => { b.scrollLeft = b.scrollWidth; b.scrollTop = b.scrollHeight; }")
    last = page.locator("#leader-figures thead tr.columns th:last-child").bounding_box()
    ward = page.locator("#leader-figures tbody tr:last-child th").bounding_box()
    # Scrolled to the end: the last column in the window, right of the ward's name, which stays put; the header too.
    assert last["x"] + last["width"] <= 1366 and last["x"] >= ward["x"] + ward["width"], (last, ward)
    assert abs(ward["x"] - frame["x"]) <= 2, (ward, frame)
    assert frame["y"] <= last["y"] <= 800, (last, frame)
    assert not page.errors, page.errors
    context.close()


def test_the_dashboard_never_asks_for_the_history_of_no_figure(prepared, asgi_server, browser):
    context = context_of(browser, asgi_server.url, prepared["leader"])
    page = context.new_page()
    histories: list[str] = []
    page.on("request", lambda r: "/leader/dashboard/history" in r.url and histories.append(r.url))

    def asked() -> list[str | None]:
        return [parse_qs(urlsplit(u).query).get("figure", [None])[0] for u in histories]

    def settled() -> None:
        page.wait_for_selector("body[data-dashboard-loaded]")
        page.wait_for_function("() => document.getElementById('dash-history').dataset.points !== undefined")

    # Several plain loads.
    for _ in range(4):
        page.goto("/leader/dashboard/")
        settled()
    # A load overtaken: the leader picks a ward before the first figures arrive, and those (now stale) arrive first.
    held = []
    page.route(re.compile(r"/leader/dashboard/data\?"), lambda route: held.append(route))
    page.goto("/leader/dashboard/")
    while len(held) < 1:
        page.wait_for_timeout(20)
    page.select_option("#dash-ward", str(prepared["ward_a"]))
    while len(held) < 2:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.wait_for_timeout(500)  # the stale answer is read (and dropped)
    held[1].continue_()
    page.wait_for_selector("body[data-dashboard-loaded]")
    page.unroute(re.compile(r"/leader/dashboard/data\?"))
    for _ in range(100):  # the history is asked for once the figures are drawn
        if histories:
            break
        page.wait_for_timeout(50)
    assert histories and all(f and f != "null" for f in asked()), asked()
    settled()
    assert asked()[-1] == page.input_value("#dash-indicator")
    assert f"ward={prepared['ward_a']}" in histories[-1]
    context.close()
