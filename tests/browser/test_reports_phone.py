"""A citizen on a phone (390 × 844, touch) pins a problem on the map, files it, gets its tracking code and QR, and
opens its public page; a second citizen at the same place is offered the first report and follows it."""

from __future__ import annotations

import pytest

from layers.reports.models import Report
from tests.browser.demo.test_citizen_phone import small_targets
from tests.layers.reports.samples import jpeg

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SPOT = (10.781, 106.695)  # ward A, khu phố A1 of the test world


def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    return page


def tap_on_map(page, lat: float, lon: float) -> None:
    page.wait_for_selector("#map[data-ready='1']")
    page.locator("#map").scroll_into_view_if_needed()
    # The citizen zooms in to their street first (as a pinch would).
    page.evaluate("([lat, lon]) => void window.portalMap.setView([lat, lon], 18, { animate: false })", [lat, lon])
    x, y = page.evaluate(
        """([lat, lon]) => {
             const p = window.portalMap.latLngToContainerPoint([lat, lon]);
             const m = document.getElementById('map').getBoundingClientRect();
             return [m.x + p.x, m.y + p.y];
           }""",
        [lat, lon],
    )
    page.touchscreen.tap(x, y)
    page.wait_for_function("() => document.getElementById('lat').value !== ''")


def test_a_citizen_files_a_report_on_a_phone_and_opens_its_page(live_world, live_server, browser, settings, tmp_path):
    settings.SPOOL_DIR = tmp_path / "spool"  # the photos, never under var/
    page = phone(browser, live_server)
    page.goto("/reports/new/")
    tap_on_map(page, *SPOT)
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert (
        abs(lat - SPOT[0]) < 1e-5 and abs(lon - SPOT[1]) < 1e-5
    )  # where the finger landed, within a pixel (~0.6 m at zoom 18)
    page.select_option("#kind", "fallen_tree")
    page.fill("#description", "Cây me ngã chắn ngang hẻm.")
    page.fill("#phone", "0977000222")
    page.set_input_files("#photos", files=[{"name": "cay.jpg", "mimeType": "image/jpeg", "buffer": jpeg(1200, 900)}])
    page.locator("#send").scroll_into_view_if_needed()
    page.locator("#send").tap()
    code = page.locator("#filed-code").inner_text(timeout=20_000)
    report = Report.objects.get(code=code)
    assert (report.ward_id, report.khu_pho_id, report.kind) == (
        live_world.ward_a.pk,
        live_world.kp_a1.pk,
        "fallen_tree",
    )
    assert report.reporter_phone == "0977000222"
    # The QR code is shown (a PNG of a few hundred pixels).
    page.wait_for_function(
        "() => (() => { const i = document.querySelector('#filed img'); return i.complete && i.naturalWidth > 100; })()"
    )
    # Nothing on the phone's screen is wider than the screen; its actions are thumb-sized.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not small_targets(page, "#filed a"), small_targets(page, "#filed a")

    page.locator("#filed-link").tap()
    page.wait_for_url(f"**/reports/{code}/")
    assert page.locator("#report-code").inner_text() == code
    assert page.locator("#report-status").get_attribute("data-status") == "new"
    assert "0977000222" not in page.content() and "Cây me ngã" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Its photo, as published: re-encoded, shown on the page.
    page.wait_for_function(
        "() => (() => { const i = document.querySelector('.report-photos img');"
        " return i && i.complete && i.naturalWidth === 1200; })()"
    )

    # A neighbour about to report the same tree is offered this report, and follows it instead.
    other = phone(browser, live_server)
    other.goto("/reports/new/")
    tap_on_map(other, SPOT[0] + 0.0001, SPOT[1])
    other.select_option("#kind", "fallen_tree")
    other.wait_for_selector("#nearby-list")
    assert code in other.locator("#nearby-list").inner_text()
    other.locator("#nearby-list button.follow").first.tap()
    assert other.locator("#filed-code").inner_text() == code
    assert Report.objects.get(code=code).followers == 1
    assert Report.objects.count() == 1
    assert page.console_errors == [] and other.console_errors == []
    page.context.close()
    other.context.close()


def test_a_refused_location_says_so_and_how_to_go_on(live_world, live_server, browser):
    """'Use my location' where the browser gives none (permission refused, or plain http on a ward's network)."""
    page = phone(browser, live_server)
    page.goto("/reports/new/")
    # The citizen said no to the browser's question (headless Chromium would leave it unanswered).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Browser.setPermission", {"permission": {"name": "geolocation"}, "setting": "denied"})
    page.wait_for_selector("#map[data-ready='1']")
    page.locator("#locate").tap()
    page.wait_for_function("() => document.getElementById('where').textContent.includes('hãy chạm vào bản đồ')")
    assert page.input_value("#lat") == ""
    assert not page.console_errors, page.console_errors
