"""The portal's pages and roles, for the tests that visit every page as every role (language, accessibility)."""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.gis.geos import Polygon

from layers.models import ForestPlot, ForestSurvey
from tests.layers.world import waste_field

ROLES = ["anonymous", "khu_pho_officer", "ward_officer", "land_officer", "district_leader", "admin"]

# Each page with the element whose presence says its script has run (or "body" for a static page).
PAGES = [
    ("/", "main"),  # a leader's home is their figures, everyone else's the map
    ("/?view=map", "#map"),
    ("/businesses/", "#map"),
    ("/businesses/stats/", "body"),
    ("/businesses/edit/", "body"),
    ("/layers/edit/?layer=waste_points", "body"),
    ("/layers/edit/?layer=forest_plots", "body"),
    ("/layers/forest/", "body"),
    ("/households/report/", "body"),
    ("/land/imagery/", "body"),
    ("/land/parcels/", "body"),
    ("/land/detection/", "body"),
    ("/leader/dashboard/", "body"),
    ("/login/", "form"),
]


def fill_world(world) -> None:
    """Something on every page: waste points of every kind, and a forest plot with two surveys."""
    waste_field(world, n=20)
    ring = Polygon.from_bbox((106.694, 10.779, 106.695, 10.780))
    ring.srid = 4326
    plot = ForestPlot(code="CG-01", sub_zone="A", species="Đước", planting_year=2017, ward=world.ward_a, geom=ring)
    plot.save()
    for year, cover in ((2023, 60.0), (2025, 72.5)):
        ForestSurvey(plot=plot, surveyed_on=dt.date(year, 5, 1), canopy_cover_pct=cover, condition="healthy").save()


# How long no request may be in flight before a page counts as settled. Playwright's "networkidle" waits 500 ms
# on every page; 144 visits (every page as every role, in two test files) made that a minute of waiting.
QUIET_S = 0.25
STREAMS = {"eventsource", "websocket"}  # a live map's change stream stays open: it is not a page still loading


def track(page) -> None:
    """Count the page's requests in flight (call once, before its first `goto`)."""
    if hasattr(page, "in_flight"):
        return
    page.in_flight = set()
    page.last_change = time.monotonic()

    def started(req) -> None:
        if req.resource_type not in STREAMS:
            page.in_flight.add(req)
            page.last_change = time.monotonic()

    def ended(req) -> None:
        page.in_flight.discard(req)
        page.last_change = time.monotonic()

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)


def settle(page, ready: str) -> None:
    """Wait for the page's own script to have drawn what it fetches: its ready element is there, the page has
    loaded, and no request has been in flight for QUIET_S."""
    track(page)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 15
    while page.in_flight or time.monotonic() - page.last_change < QUIET_S:
        if time.monotonic() > deadline:
            raise AssertionError(f"still loading after 15 s: {[r.url for r in page.in_flight]}")
        page.wait_for_timeout(25)
