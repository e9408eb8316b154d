"""Waste points: statistics per khu phố × kind through HTTP, on the vector tiles, nothing private in public."""

from __future__ import annotations

from collections import Counter

import mapbox_vector_tile
import morecantile
from django.test import Client

from layers.models import WastePoint
from tests.layers.world import waste_field

PUBLIC_TILE_FIELDS = set(
    "address capacity collection_schedule condition id khu_pho kind last_inspected name operator".split()
)


def test_stats_count_every_live_point_per_khu_pho_and_kind(world):
    made = waste_field(world)
    live = [p for p in made if not p.is_deleted]
    assert len(live) < len(made)  # some deleted, and they must not count

    data = Client().get("/api/v1/waste/stats").json()
    expected = Counter((p.khu_pho_id, p.kind) for p in live)
    assert {(r["khu_pho_id"], r["kind"]): r["count"] for r in data["rows"]} == dict(expected)
    assert data["total"] == len(live)
    assert data["by_kind"] == {k: sum(1 for p in live if p.kind == k) for k in data["by_kind"]}
    names = {r["khu_pho"] for r in data["rows"]}
    assert names == {"Khu phố 1", "Khu phố 2", "Khu phố B1"}

    # Source owners' fee status, counted per khu phố.
    for row in data["rows"]:
        owners = [p for p in live if p.khu_pho_id == row["khu_pho_id"] and p.kind == row["kind"]]
        if row["kind"] == "source_owner":
            assert row["fee_status"] == {f: sum(1 for p in owners if p.fee_status == f) for f in row["fee_status"]}
        else:
            assert "fee_status" not in row

    ward_a = Client().get(f"/api/v1/waste/stats?ward={world.ward_a.pk}").json()
    assert ward_a["total"] == sum(1 for p in live if p.ward_id == world.ward_a.pk)
    bad = Client().get("/api/v1/waste/stats?ward=abc")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"


def test_waste_tiles_show_public_kinds_with_public_fields_only(world):
    made = waste_field(world)
    tms = morecantile.tms.get("WebMercatorQuad")
    t = tms.tile(106.70, 10.78, 15)
    body = b""
    ids = set()
    # The field spans a few z15 tiles; read the 3 × 3 block around its centre.
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            response = Client().get(f"/tiles/waste_points/15/{t.x + dx}/{t.y + dy}.mvt")
            assert response.status_code in (200, 204)
            body += response.content
            if response.status_code == 200:
                layer = mapbox_vector_tile.decode(response.content)["waste_points"]
                for f in layer["features"]:
                    # An empty address or capacity is left out of a tile's properties.
                    absent = {k for k in ("capacity", "address") if k not in f["properties"]}
                    assert set(f["properties"]) == PUBLIC_TILE_FIELDS - absent
                    ids.add(f["id"])
    west, _, _, north = tms.bounds(morecantile.Tile(t.x - 1, t.y - 1, 15))
    _, south, east, _ = tms.bounds(morecantile.Tile(t.x + 1, t.y + 1, 15))
    public = {
        p.pk
        for p in made
        if not p.is_deleted and p.kind != "source_owner" and west < p.geom.x < east and south < p.geom.y < north
    }
    assert len(public) > 15
    assert ids == public
    owners = [p for p in made if p.kind == "source_owner"]
    for p in owners:
        assert p.contact_name.encode() not in body and p.contact_phone.encode() not in body


def test_catalog_lists_the_new_layers(db):
    names = {entry["name"] for entry in Client().get("/tiles/").json()}
    assert {"businesses", "waste_points", "forest_plots"} <= names


def test_a_source_owner_needs_its_kind_and_only_it_carries_a_fee(world):
    from django.core.exceptions import ValidationError

    bad = WastePoint(kind="bin", name="Thùng", fee_status="paid", ward=world.ward_a, geom="POINT(106.7 10.78)")
    try:
        bad.full_clean(exclude=["geom_3857"])
    except ValidationError as exc:
        assert "kind" in exc.message_dict
    else:
        raise AssertionError("a bin with a fee passed")
