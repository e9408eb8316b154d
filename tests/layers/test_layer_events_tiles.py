"""Waste points and forest plots on the live-change stream, and forest plots (polygons) on the vector tiles."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
from django.test import Client

from gisportal.models import Role
from layers.models import ForestPlot, WastePoint
from tests.factories import AdminUnitFactory, square, user_with_role
from tests.gisportal.test_events import listen
from tests.layers.world import forest_plot, waste_point


def test_waste_point_and_plot_changes_reach_the_leader_without_values(transactional_db, live_server):
    ward = AdminUnitFactory(boundary=square(106.70, 10.78, 0.005))
    leader = user_with_role("leader_layers_live", Role.DISTRICT_LEADER)
    events, thread = listen(live_server, leader, 3)
    point = waste_point(ward, kind="source_owner", contact_name="Bà Bí Mật", contact_phone="0909")
    WastePoint.objects.filter(pk=point.pk).update(fee_status="overdue")
    forest_plot(ward, "CG-LIVE-1")
    thread.join()
    seen = [(e["layer"], e["op"], e["wards"], e["count"]) for e in events]
    assert ("waste_points", "insert", [ward.pk], 1) in seen
    assert ("waste_points", "update", [ward.pk], 1) in seen
    assert ("forest_plots", "insert", [ward.pk], 1) in seen
    assert "Bí Mật" not in str(events) and "overdue" not in str(events)


def decode(body: bytes) -> list[dict]:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})["forest_plots"]["features"]


def test_forest_plots_are_polygons_up_close_and_counted_clusters_further_out(world):
    for i in range(12):
        forest_plot(world.ward_a, f"CG-T-{i:02d}", 106.696 + (i % 4) * 0.0012, 10.777 + (i // 4) * 0.0012)
    ForestPlot.objects.filter(code="CG-T-11").update(is_deleted=True)
    tms = morecantile.tms.get("WebMercatorQuad")
    t = tms.tile(106.698, 10.778, 15)
    features = decode(Client().get(f"/tiles/forest_plots/15/{t.x}/{t.y}.mvt").content)
    assert features and all(f["geometry"]["type"] == "Polygon" for f in features)
    assert set(features[0]["properties"]) == {"id", "code", "sub_zone", "species", "planting_year", "area_ha"}
    # Below detail_minzoom: clusters at the polygons' centroids whose counts add up to the live plots.
    t = tms.tile(106.698, 10.778, 10)
    clusters = decode(Client().get(f"/tiles/forest_plots/10/{t.x}/{t.y}.mvt").content)
    assert all(set(f["properties"]) == {"count"} for f in clusters)
    assert sum(f["properties"]["count"] for f in clusters) == 11
