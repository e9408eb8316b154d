"""The leaders' dashboard in the browser, served as in production (ASGI, tests/asgi_live.py): the choropleth with
its legend, the table that sorts, and the live update — the dashboard open in one browser context, an officer's
save in another, and the figure changes on the leader's screen within 2 seconds."""

from __future__ import annotations

import time

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from tests import asgi_live
from tests.factories import BusinessFactory, industry

# Playwright's sync API runs an event loop in the test thread: the database is read before the test (`prepared`)
# and not touched while the pages run. `browser` is tests/browser/conftest.py's Debian Chromium.
pytestmark = pytest.mark.browser
CSRF = "d" * 32  # a cookie and header pair, as the pages' own request.js sends it


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
    return {
        "ward_a": world.ward_a.pk,
        "ward_b": world.ward_b.pk,
        "leader": session_of(world.users["district_leader"]),
        "officer": session_of(world.users["ward_officer"]),
        "industry": industry("5610").pk,
    }


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

    # The choropleth: one shape per ward, a legend of quantile classes for the chosen indicator.
    page.select_option("#dash-indicator", "suspended")
    assert page.locator("#dash-map path.leaflet-interactive").count() == 2
    assert page.locator("#dash-legend .dash-legend-class").count() >= 2
    assert "suspended" in page.locator("#dash-legend strong").inner_text().lower()
    # The table sorts: by the ward's suspended businesses, most first.
    page.click("#dash-table th button[data-sort='suspended']")
    first = page.locator("#dash-table tbody tr").first.get_attribute("data-ward")
    assert first == str(ward_b)
    assert "sort=suspended" in page.locator("#export-csv").get_attribute("href")

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
    print(f"edit to screen: {time.monotonic() - t:.2f} s")
    assert int(page.locator("#dash-live").get_attribute("data-updates")) >= 1
    assert not errors, errors
    officer.close()
    leader_context.close()
