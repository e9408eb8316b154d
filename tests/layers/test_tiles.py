"""Vector tiles through HTTP: decoded MVT checked against tile math done here, independently of PostGIS.

Which rows belong in a tile is decided in Python (pyproj to Web Mercator, XYZ tile bounds from
the grid's definition), from the rows as stored; the tile itself comes from the real endpoint.
"""

from __future__ import annotations

import importlib
import math
import random
from collections import Counter

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from pyproj import Transformer

from businesses.models import Business
from layers import registry
from layers.registry import Field, Layer
from layers.tiles import mvt as tiles
from tests.factories import BusinessFactory, industry

WORLD = 20037508.342789244  # half the Web Mercator world's width, in metres
TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
TO_4326 = Transformer.from_crs(3857, 4326, always_xy=True)
CENTER = (106.70, 10.78)
PUBLIC = {"id", "signboard", "industry_code", "industry", "address", "status"}


def tile_size(z: int) -> float:
    return 2 * WORLD / 2**z


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in EPSG:3857 of an XYZ tile (y counted from the north)."""
    size = tile_size(z)
    xmin, ymax = -WORLD + x * size, WORLD - y * size
    return xmin, ymax - size, xmin + size, ymax


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    mx, my = TO_3857.transform(lon, lat)
    return z, math.floor((mx + WORLD) / tile_size(z)), math.floor((WORLD - my) / tile_size(z))


def point_3857(mx: float, my: float) -> Point:
    return Point(*TO_4326.transform(mx, my), srid=4326)


def get_tile(z: int, x: int, y: int, client: Client | None = None, etag: str | None = None):
    headers = {"If-None-Match": etag} if etag else {}
    return (client or Client()).get(f"/tiles/businesses/{z}/{x}/{y}.mvt", headers=headers)


def decode(body: bytes) -> list[dict]:
    """The features of the businesses layer, coordinates in tile units from the top-left corner."""
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    assert set(layers) <= {"businesses"}, set(layers)
    return layers.get("businesses", {"features": []})["features"]


def public_rows() -> list[dict]:
    """Every row the public may see, with its Web Mercator position (filter restated here, not read)."""
    rows = []
    for b in Business.objects.select_related("industry"):
        if b.is_deleted or b.status not in ("active", "suspended"):
            continue
        mx, my = TO_3857.transform(b.geom.x, b.geom.y)
        rows.append({"b": b, "mx": mx, "my": my})
    return rows


def scatter(world, prefix: str, n: int, rng: random.Random, box: tuple[float, float, float, float]) -> None:
    """n active restaurants of ward A at random in box (west, south, east, north), in one INSERT."""
    code = industry("5610")
    west, south, east, north = box
    Business.objects.bulk_create(
        BusinessFactory.build(
            registration_no=f"{prefix}{i:07d}",
            industry=code,
            section=code.section,
            ward=world.ward_a,
            geom=Point(rng.uniform(west, east), rng.uniform(south, north), srid=4326),
        )
        for i in range(n)
    )


@pytest.fixture
def field_of_businesses(world) -> list[Business]:
    """400 businesses (fixed seed) over ~1.3 km around CENTER, one in eight terminated, revoked or deleted."""
    rng = random.Random(20251115)
    codes = [industry(c) for c in ("5610", "5630", "4711", "9631")]
    made = []
    for i in range(400):
        roll = rng.random()
        status = "active" if roll < 0.8 else "suspended" if roll < 0.875 else rng.choice(["terminated", "revoked"])
        ind = rng.choice(codes)
        made.append(
            BusinessFactory.build(
                registration_no=f"41F{i:07d}",
                signboard=f"Quán Thử Số {i}",
                owner_name=f"Chủ Bí Mật {i:03d}",
                owner_phone=f"0965{i:06d}",
                industry=ind,
                section=ind.section,
                ward=world.ward_a,
                status=status,
                is_deleted=roll > 0.97,
                address_current=f"{i}/{rng.randint(1, 40)} Đường Thử, Phường An Nhơn",
                geom=Point(CENTER[0] + rng.uniform(-0.006, 0.006), CENTER[1] + rng.uniform(-0.006, 0.006), srid=4326),
            )
        )
    return Business.objects.bulk_create(made)


def test_a_detail_tile_holds_exactly_the_public_businesses_in_it_and_its_buffer(field_of_businesses, world):
    z, x, y = tile_of(*CENTER, 16)
    xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
    size = tile_size(z)
    margin = size * tiles.BUFFER / tiles.EXTENT
    # Edge cases placed on purpose: inside the buffer beyond the west edge, beyond the buffer to the north.
    in_buffer = BusinessFactory(ward=world.ward_a, geom=point_3857(xmin - margin / 2, (ymin + ymax) / 2))
    outside = BusinessFactory(ward=world.ward_a, geom=point_3857((xmin + xmax) / 2, ymax + 2 * margin))
    gone = BusinessFactory(ward=world.ward_a, status="terminated", geom=point_3857(xmin + size / 3, ymin + size / 3))

    response = get_tile(z, x, y)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = decode(response.content)

    expected = {
        r["b"].pk: r
        for r in public_rows()
        if xmin - margin <= r["mx"] <= xmax + margin and ymin - margin <= r["my"] <= ymax + margin
    }
    assert len(expected) > 20  # the tile really samples the field
    assert {f["id"] for f in features} == set(expected)
    assert in_buffer.pk in expected and outside.pk not in expected and gone.pk not in expected

    for f in features:
        row = expected[f["id"]]
        b = row["b"]
        assert set(f["properties"]) == PUBLIC
        assert f["properties"] == {
            "id": b.pk,
            "signboard": b.signboard,
            "industry_code": b.industry.code,
            "industry": b.industry.name,
            "address": b.address_current,
            "status": b.status,
        }
        # Placed where the tile math says, to the 1/4096 of a tile that MVT keeps.
        px, py = f["geometry"]["coordinates"]
        assert abs(px - (row["mx"] - xmin) / size * tiles.EXTENT) <= 1
        assert abs(py - (ymax - row["my"]) / size * tiles.EXTENT) <= 1


def test_terminated_revoked_and_deleted_businesses_never_reach_a_tile(field_of_businesses):
    hidden = {b.pk for b in Business.objects.filter(is_deleted=True)} | {
        b.pk for b in Business.objects.filter(status__in=["terminated", "revoked"])
    }
    assert len(hidden) > 20
    seen = set()
    z, x0, y0 = tile_of(*CENTER, 16)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            seen |= {f["id"] for f in decode(get_tile(z, x0 + dx, y0 + dy).content)}
    assert len(seen) > 100
    assert not seen & hidden


def test_low_zoom_tiles_are_clusters_whose_counts_sum_to_the_points(field_of_businesses, world):
    # 106.70° E lies just east of a z13 tile edge: the field straddles two tiles, each point counted once.
    z, x0, y = tile_of(*CENTER, 13)
    for x in (x0 - 1, x0):
        xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
        inside = [r for r in public_rows() if xmin <= r["mx"] < xmax and ymin <= r["my"] < ymax]
        assert len(inside) > 100

        response = get_tile(z, x, y)
        assert response.status_code == 200
        clusters = decode(response.content)
        assert all(set(f["properties"]) == {"count"} for f in clusters)
        assert sum(f["properties"]["count"] for f in clusters) == len(inside)
        assert len(clusters) <= tiles.CLUSTER_CELLS**2 and len(response.content) < 5000

        # The cells, counted here: the same multiset of counts, each cluster drawn inside the tile.
        cell = tile_size(z) / tiles.CLUSTER_CELLS
        cells = Counter((math.floor((r["mx"] - xmin) / cell), math.floor((r["my"] - ymin) / cell)) for r in inside)
        assert sorted(f["properties"]["count"] for f in clusters) == sorted(cells.values())
        assert all(0 <= c <= tiles.EXTENT for f in clusters for c in f["geometry"]["coordinates"])

        # Half-open tiles: the four children count every point once, none twice.
        children = [get_tile(z + 1, 2 * x + dx, 2 * y + dy) for dx in (0, 1) for dy in (0, 1)]
        assert sum(f["properties"]["count"] for c in children for f in decode(c.content)) == len(inside)


def test_no_role_ever_gets_a_private_field_in_a_tile(field_of_businesses, world):
    owners = [v.encode() for b in Business.objects.all() for v in (b.owner_name, b.owner_phone)]
    tiles_to_read = [tile_of(*CENTER, 16), tile_of(*CENTER, 13), tile_of(106.695, 10.781, 17)]
    anonymous = [get_tile(*t).content for t in tiles_to_read]
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        for t, public_body in zip(tiles_to_read, anonymous, strict=True):
            body = get_tile(*t, client=client).content
            assert body == public_body, f"{role} got a different tile {t}"
            assert not [o for o in owners if o in body], f"{role} got private values in {t}"
            assert b"owner" not in body
            for f in decode(body):
                assert set(f["properties"]) <= PUBLIC | {"count"}


def test_tiles_are_cacheable_with_an_etag_and_304(field_of_businesses):
    t = tile_of(*CENTER, 16)
    first = get_tile(*t)
    assert first.status_code == 200
    assert first["Cache-Control"] == f"public, max-age={60}"
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    # Nothing that would make a shared cache (nginx) keep one copy per visitor, or refuse to keep it.
    assert "Set-Cookie" not in first.headers and "Cookie" not in first.get("Vary", "")

    again = get_tile(*t, etag=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == first["Cache-Control"]
    assert get_tile(*t, etag='"stale"').status_code == 200

    # An officer renames a business in the tile: the old ETag no longer matches, the new name is served.
    b = next(r["b"] for r in public_rows() if tile_of(r["b"].geom.x, r["b"].geom.y, 16) == t)
    Business.objects.filter(pk=b.pk).update(signboard="Biển Hiệu Mới")
    changed = get_tile(*t, etag=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Biển Hiệu Mới".encode() in changed.content

    cluster = get_tile(*tile_of(*CENTER, 12))
    assert cluster.status_code == 200 and cluster["Cache-Control"] == "public, max-age=300"


def test_an_empty_tile_is_204(field_of_businesses):
    response = get_tile(16, 32768, 32768)  # off the coast of West Africa
    assert response.status_code == 204 and response.content == b""
    assert response["Cache-Control"] == "public, max-age=60" and response["ETag"]
    # Below the layer's minzoom nothing is served, even where the businesses are.
    assert get_tile(*tile_of(*CENTER, 5)).status_code == 204


@pytest.mark.parametrize("zxy", ["23/0/0", "3/8/0", "3/0/8", "abc/0/0", "-1/0/0", "3/1.5/0", "3/0/٣"])
def test_a_tile_outside_the_grid_is_a_400_in_both_languages(db, zxy):
    response = Client().get(f"/tiles/businesses/{zxy}.mvt")
    assert response.status_code == 400, zxy
    data = response.json()
    assert data["error"] == "invalid_tile"
    assert "Ô bản đồ" in data["message"] and "No tile" in data["message_en"]


@pytest.mark.parametrize("url", ["/tiles/nope/1/0/0.mvt", "/tiles/nope.json"])
def test_an_unknown_layer_is_a_404_in_the_error_shape(db, url):
    response = Client().get(url)
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_layer" and response.json()["message_en"]


def test_tilejson_describes_the_layer_and_its_tiles_work(field_of_businesses):
    response = Client().get("/tiles/businesses.json")
    assert response.status_code == 200 and response["Cache-Control"].startswith("public")
    doc = response.json()
    assert doc["tilejson"] == "3.0.0" and doc["scheme"] == "xyz"
    assert doc["tiles"] == ["http://testserver/tiles/businesses/{z}/{x}/{y}.mvt"]
    assert 0 <= doc["minzoom"] <= doc["maxzoom"] <= 22
    (vl,) = doc["vector_layers"]
    assert vl["id"] == "businesses"
    assert vl["fields"] == {
        "id": "Number",
        "signboard": "String",
        "industry_code": "String",
        "industry": "String",
        "address": "String",
        "status": "String",
        "count": "Number",
    }
    west, south, east, north = doc["bounds"]
    for r in public_rows():
        assert west <= r["b"].geom.x <= east and south <= r["b"].geom.y <= north
    assert west < east and south < north and (east - west) < 0.1  # the field and the two wards, not the world
    lon, lat, zoom = doc["center"]
    assert west <= lon <= east and south <= lat <= north and zoom == registry.get("businesses").detail_minzoom

    z, x, y = tile_of(*CENTER, 17)
    url = doc["tiles"][0].replace("http://testserver", "").format(z=z, x=x, y=y)
    assert Client().get(url).status_code == 200


def test_the_catalog_lists_public_layers_with_what_the_map_needs(db):
    response = Client().get("/tiles/")
    assert response.status_code == 200
    entries = {e["name"]: e for e in response.json()}
    entry = entries["businesses"]
    assert entry["title"] == "Hộ kinh doanh" and entry["title_en"] == "Businesses"
    assert entry["tilejson"] == "http://testserver/tiles/businesses.json"
    assert entry["style"]["color"].startswith("#") and entry["detail_minzoom"] > entry["minzoom"]
    assert [f["name"] for f in entry["fields"]] == ["signboard", "industry_code", "industry", "address", "status"]
    # A coded value comes with its words, so a popup says "Đang hoạt động", not "active".
    fields = {f["name"]: f for f in entry["fields"]}
    assert fields["status"]["values"]["active"] == ["Đang hoạt động", "Active"] and fields["signboard"]["values"] == {}
    assert Client().get(entry["tilejson"].replace("http://testserver", "")).status_code == 200
    # No private field (a waste point's kind "source_owner" is a public word, not an owner's data).
    assert not any(f["name"].startswith("owner") for e in entries.values() for f in e["fields"])
    assert "owner_name" not in response.content.decode() and "owner_phone" not in response.content.decode()


def test_tile_queries_use_the_web_mercator_gist_index_and_the_tile_key_index(db, world):
    """EXPLAIN through the same driver and binding the API uses, for a feature tile and a cluster tile."""
    scatter(world, "41E", 4000, random.Random(3), (106.60, 10.70, 106.80, 10.90))
    with connection.cursor() as cur:
        cur.execute("ANALYZE businesses_business")
    layer = registry.get("businesses")
    for zoom, index in (
        (layer.detail_minzoom, "business_geom_3857_gist"),
        (layer.detail_minzoom - 2, "business_tile_key"),
    ):
        plan = tiles.explain(layer, *tile_of(*CENTER, zoom))
        assert index in plan, plan
        assert "Seq Scan on businesses_business" not in plan, plan
        # The stored 3857 column is read as is: no per-row reprojection.
        assert "st_transform" not in plan.lower(), plan
    assert "businesses_tile_cell" not in tiles.explain(layer, *tile_of(*CENTER, tiles.CELLS_MAXZOOM + 1))
    # Up to z13 the clusters are the cells' sums, a range of their key: the businesses are not read at all. The
    # few cells here are rightly read in full; priced as at scale, the plan shows the range is an index's.
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # until the test's transaction ends
    for zoom in (tiles.CELLS_MAXZOOM, layer.minzoom):
        plan = tiles.explain(layer, *tile_of(*CENTER, zoom))
        assert "businesses_tile_cell_pkey" in plan, plan
        assert "businesses_business" not in plan, plan


def test_the_tile_key_is_the_xyz_tile_at_every_zoom(db):
    """portal_tile_key's prefixes against XYZ tile math done here, with points on and beside tile edges."""
    rng = random.Random(11)
    points = [(rng.uniform(-WORLD, WORLD), rng.uniform(-WORLD, WORLD)) for _ in range(300)]
    # On the edges the float math gets exactly (x = 0, y = 0, the world's corner), and a µm either side of others.
    points += [(0.0, 0.0), (-WORLD, -WORLD), (0.0, -WORLD), (WORLD - 0.01, WORLD - 0.01)]
    for z, i in ((5, 7), (13, 6000), (15, 26107)):
        edge = -WORLD + i * tile_size(z)
        points += [(edge - 1e-6, edge + 1e-6), (edge + 1e-6, edge - 1e-6)]
    query = (
        "SELECT portal_tile_key(ST_SetSRID(ST_MakePoint(x, y), 3857)) FROM unnest(%s::float8[], %s::float8[]) p(x, y)"
    )
    with connection.cursor() as cur:
        cur.execute(query, [[p[0] for p in points], [p[1] for p in points]])
        keys = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT portal_tile_key(ST_SetSRID(ST_MakePoint(0, %s), 3857))", [WORLD + 1])
        assert cur.fetchone()[0] is None  # beyond the Web Mercator square: in no tile
    for (mx, my), key in zip(points, keys, strict=True):
        for z in (0, 5, 10, 13, 14, 15, 19):
            # Half-open like the cluster tiles: a point on a tile's west or south edge is in that tile.
            x, y_south = math.floor((mx + WORLD) / tile_size(z)), math.floor((my + WORLD) / tile_size(z))
            p = tiles.params(z, x, 2**z - 1 - y_south)
            assert p["lo"] <= key < p["hi"], (mx, my, z)
            cell = (key >> p["shift"]) - (p["lo"] >> p["shift"])
            assert 0 <= cell < tiles.CLUSTER_CELLS**2


def _cluster(feature: dict) -> tuple[int, int, int]:
    return feature["properties"]["count"], *feature["geometry"]["coordinates"]


def _served_and_generic(z: int) -> list[tuple[list, list]]:
    """(served, from the generic query over the rows) for the tile of CENTER at zoom z and two beside it."""
    generic = tiles.cluster_sql(registry.get("businesses")).as_string()
    _, x, y = tile_of(*CENTER, z)
    out = []
    for t in ((z, x, y), (z, x - 1, y), (z, x, y + 1)):
        served = decode(get_tile(*t).content)
        with connection.cursor() as cur:
            cur.execute(generic, tiles.params(*t))
            expected = decode(bytes(cur.fetchone()[0] or b""))
        out.append((sorted(map(_cluster, served)), sorted(map(_cluster, expected))))
    return out


def test_cluster_tiles_from_the_cell_sums_and_the_tile_key_index_are_those_of_the_generic_query(
    field_of_businesses,
):
    layer = registry.get("businesses")
    assert layer.cluster_index and layer.cluster_cells
    # The trigger's cell is the tile query's: the migration states its shift as a number of its own.
    assert importlib.import_module("businesses.migrations.0017_tile_cells").CELL_SHIFT == tiles.CELL_SHIFT
    for z in (10, 12, 13, 14, 15):
        for served, expected in _served_and_generic(z):
            assert served == expected, z


def test_the_cell_sums_follow_every_kind_of_edit(field_of_businesses, world):
    """Moves inside a z17 tile and across tiles, a business made public and one hidden, deleted, bulk-inserted:
    the z10-z13 tiles, drawn from the sums, stay those of the rows."""
    rng = random.Random(7)
    public = [b for b in field_of_businesses if not b.is_deleted and b.status in ("active", "suspended")]
    hidden = [b for b in field_of_businesses if b.status == "terminated" and not b.is_deleted]
    for b in rng.sample(public, 20):  # ~3 m: mostly inside the same z17 tile
        b.geom = Point(b.geom.x + rng.uniform(-3e-5, 3e-5), b.geom.y, srid=4326)
        b.save()
    for b in rng.sample(public, 20):  # ~1 km: to another one
        b.geom = Point(b.geom.x + 0.009, b.geom.y - 0.004, srid=4326)
        b.save()
    Business.objects.filter(pk__in=[b.pk for b in hidden[:5]]).update(status="active")
    Business.objects.filter(pk__in=[b.pk for b in public[:10]]).update(status="revoked")
    Business.objects.filter(pk__in=[b.pk for b in public[10:15]]).update(is_deleted=True)
    Business.objects.filter(pk__in=[b.pk for b in public[15:20]]).delete()
    scatter(world, "41G", 50, rng, (CENTER[0] - 0.01, CENTER[1] - 0.01, CENTER[0] + 0.01, CENTER[1] + 0.01))
    for z in (10, 13):
        pairs = _served_and_generic(z)
        assert any(served for served, _ in pairs)
        for served, expected in pairs:
            assert served == expected, z


def test_the_registry_refuses_a_layer_that_would_publish_a_private_field(db):
    def layer(name: str, *fields: Field) -> Layer:
        return Layer(name=name, title="Thử", title_en="Test", model=Business, public_fields=fields)

    with pytest.raises(ValueError, match="private"):
        registry.register(layer("leaky", Field("owner", "Chủ", "Owner", column="owner_name")))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(layer("businesses", Field("signboard", "Biển", "Sign")))
    with pytest.raises(ValueError, match="reserved"):
        registry.register(layer("clash", Field("count", "Số", "Count", column="signboard")))
    assert registry.get("leaky") is None and registry.get("clash") is None
    assert registry.get("businesses").private_fields == ("owner_name", "owner_phone")


def test_the_registry_keeps_the_tile_key_index_to_point_layers(db):
    from layers.models import ForestPlot

    with pytest.raises(ValueError, match="point layers"):
        registry.register(
            Layer(
                name="plots_keyed",
                title="Thử",
                title_en="Test",
                model=ForestPlot,
                public_fields=(Field("code", "Mã", "Code"),),
                cluster_index="nope",
            )
        )
    assert registry.get("plots_keyed") is None


def test_every_coded_value_in_the_catalog_has_its_english_words(db):
    """The English map's popups read the catalogue's value labels: a label with no English half was shown in
    Vietnamese on the English page (an admin unit's kind: "Thành phố / Thành phố")."""
    entries = {e["name"]: e for e in Client().get("/tiles/").json()}
    same = [
        (e["name"], f["name"], value, vi)
        for e in entries.values()
        for f in e["fields"]
        for value, (vi, en) in f["values"].items()
        if vi == en
    ]
    assert same == []
    kinds = {f["name"]: f for f in entries["admin_wards"]["fields"]}["kind"]["values"]
    assert kinds["phuong"] == ["Phường", "Ward"] and kinds["xa"] == ["Xã", "Commune"]
    assert kinds["thanh_pho"] == ["Thành phố", "City"] and kinds["dac_khu"] == ["Đặc khu", "Special zone"]
