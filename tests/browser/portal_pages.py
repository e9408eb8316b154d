"""The portal's pages and roles, for the tests that visit every page as every role (language, accessibility)."""

from __future__ import annotations

import datetime as dt

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


def settle(page, ready: str) -> None:
    """Wait for the page's own script to have drawn what it fetches (no request left in flight)."""
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
