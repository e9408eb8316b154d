"""House numbers on the map: a registry layer, so vector tiles and OGC API Features serve them (public
fields only, active numbers only) like every other layer, through HTTP."""

from __future__ import annotations

import mapbox_vector_tile
from django.test import Client

from households.models import HouseNumber
from tests.households.house_world import make_streets, ndc_houses
from tests.households.test_geocode import file_houses
from tests.layers.test_tiles import tile_of


def test_house_numbers_are_a_public_map_layer_in_tiles_and_ogc(world):
    houses = file_houses(world, make_streets(world)["ndc_a"], ndc_houses(1, 6))
    houses["4"].status = HouseNumber.Status.RETIRED
    houses["4"].save()
    client = Client()

    assert "house_numbers" in [entry["name"] for entry in client.get("/tiles/").json()]
    seen: dict[str, dict] = {}
    for z, x, y in {tile_of(h.geom.x, h.geom.y, 17) for h in houses.values()}:
        response = client.get(f"/tiles/house_numbers/{z}/{x}/{y}.mvt")
        assert response.status_code in (200, 204)
        if response.status_code == 200:
            for f in mapbox_vector_tile.decode(response.content)["house_numbers"]["features"]:
                seen[f["properties"]["number"]] = f["properties"]
    assert set(seen) == set(houses) - {"4"}  # a retired number is off the map
    assert seen["1"]["street"] == "Nguyễn Đình Chiểu" and seen["1"]["address"].startswith("1 Nguyễn Đình Chiểu")

    items = client.get("/ogc/collections/house_numbers/items", {"limit": 100}).json()
    got = {f["properties"]["number"] for f in items["features"]}
    assert got == set(houses) - {"4"}
    assert set(items["features"][0]["properties"]) == {"number", "street", "address"}
