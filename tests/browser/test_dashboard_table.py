"""The leaders' dashboard's table at 1366×800, as the leader's home reads (tests/browser/test_leader_home.py):
23 figures under short group names, each column's full name its tooltip, in a box that scrolls both ways with the
header and the ward's name held in place. Its headers were the figures' full names: a header row ~250 px tall,
and the table ran off the page's right edge. Sorting by a column still works from its short header."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard_live import context_of
from tests.browser.test_leader_home import asgi_server, prepared  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser
TABLE = "#dash-table"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_dashboards_table_reads_at_1366_by_800(prepared, asgi_server, browser, language):  # noqa: F811
    context = context_of(browser, asgi_server.url, prepared["leader"])
    context.add_cookies([{"name": "django_language", "value": language, "url": asgi_server.url}])
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto("/leader/dashboard/")
    page.wait_for_selector("body[data-dashboard-loaded]")
    page.wait_for_selector(f"{TABLE} tbody tr[data-ward]")

    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # the page itself never scrolls sideways
    head = page.locator(f"{TABLE} thead").bounding_box()
    assert head["height"] <= 100, head
    # Short names under the groups' names, the full wording each short header's tooltip.
    groups = page.locator(f"{TABLE} thead tr.groups th").all_inner_texts()
    assert len(groups) >= 5 and len(groups) < page.locator(f"{TABLE} thead tr.columns th").count()
    full = page.locator(f"{TABLE} thead th[data-figure='flags_confirmed'] abbr").get_attribute("title")
    assert full in ("Unlicensed construction confirmed", "Công trình không phép đã xác nhận")

    # The table's box, brought into view, ends on screen: its horizontal scrollbar can be reached.
    box = page.locator(f".table-scroll:has({TABLE})")
    box.evaluate("(b) => b.scrollIntoView({block: 'start'})")
    frame = box.bounding_box()
    assert frame["y"] >= -1 and frame["y"] + frame["height"] <= 800, frame
    box.evaluate("(b) => { b.scrollLeft = b.scrollWidth; b.scrollTop = b.scrollHeight; }")
    last = page.locator(f"{TABLE} thead tr.columns th:last-child").bounding_box()
    ward = page.locator(f"{TABLE} tbody tr:last-child th").bounding_box()
    # Scrolled to the end: the last column in the window, right of the ward's name, which stays put; the header too.
    assert last["x"] + last["width"] <= 1366 and last["x"] >= ward["x"] + ward["width"] - 1, (last, ward)
    assert abs(ward["x"] - frame["x"]) <= 2, (ward, frame)
    assert frame["y"] <= last["y"] <= frame["y"] + head["height"], (last, frame)

    # Sorting from a short header: the most suspended businesses first.
    box.evaluate("(b) => { b.scrollLeft = 0; b.scrollTop = 0; }")
    page.click(f"{TABLE} thead th[data-figure='suspended'] button")
    sort = page.locator(f"{TABLE} thead th[data-figure='suspended']").get_attribute("aria-sort")
    assert sort == "descending"
    page.screenshot(path=f"/tmp/dashboard_table_{language}.png")
    assert not errors, errors
    context.close()
