"""OGC API Features, read side, through HTTP: landing, conformance, collections, items, paging, filters, one item."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from layers import registry
from layers.models import WastePoint
from layers.ogc import features as ogc
from tests.layers.world import forest_plot, waste_field, waste_point

PUBLIC_WASTE = set("address capacity collection_schedule condition khu_pho kind last_inspected name operator".split())


def get(url: str, client: Client | None = None, **headers):
    return (client or Client()).get(url, headers=headers)


def public_waste() -> list[WastePoint]:
    """The rows the public may see, restated here (not read from the registry)."""
    return [p for p in WastePoint.objects.order_by("pk") if not p.is_deleted and p.kind != "source_owner"]


def test_landing_conformance_and_collections(world):
    forest_plot(world.ward_a, "CG-1")
    landing = get("/ogc/").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= set(rels)
    assert rels["data"].endswith("/ogc/collections")
    conf = get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conf

    collections = {c["id"]: c for c in get("/ogc/collections").json()["collections"]}
    assert {"businesses", "waste_points", "forest_plots"} <= set(collections)
    plots = collections["forest_plots"]
    assert plots["crs"] == [ogc.CRS84]
    west, south, east, north = plots["extent"]["spatial"]["bbox"][0]
    assert west <= 106.6995 and east >= 106.7005 and south <= 10.7795 and north >= 10.7805
    items = next(link for link in plots["links"] if link["rel"] == "items")
    assert items["type"] == "application/geo+json" and items["href"].endswith("/ogc/collections/forest_plots/items")
    assert get("/ogc/collections/forest_plots").json()["id"] == "forest_plots"
    missing = get("/ogc/collections/nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_items_are_the_public_rows_with_public_fields_only(world):
    waste_field(world)
    response = get("/ogc/collections/waste_points/items", Accept="application/geo+json")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    doc = response.json()
    expected = public_waste()
    assert [f["id"] for f in doc["features"]] == [p.pk for p in expected]
    assert doc["numberReturned"] == len(expected)
    for f, p in zip(doc["features"], expected, strict=True):
        assert set(f["properties"]) == PUBLIC_WASTE
        assert f["geometry"]["type"] == "Point"
        assert f["geometry"]["coordinates"] == pytest.approx([p.geom.x, p.geom.y], abs=1e-7)
        assert f["properties"]["kind"] == p.kind and f["properties"]["name"] == p.name
        assert f["properties"]["khu_pho"] == p.khu_pho.name
        assert f["properties"]["last_inspected"] == p.last_inspected.isoformat()
    assert b"Ch\\u1ee7 Ngu\\u1ed3n" not in response.content and "Chủ Nguồn".encode() not in response.content


def test_paging_with_limit_and_next_walks_every_row_once(world):
    waste_field(world, n=90)
    expected = [p.pk for p in public_waste()]
    url, seen, pages = "/ogc/collections/waste_points/items?limit=7", [], 0
    while url:
        doc = get(url).json()
        seen += [f["id"] for f in doc["features"]]
        assert len(doc["features"]) <= 7
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
    assert seen == expected and pages >= len(expected) // 7
    # offset, for clients that page that way
    doc = get("/ogc/collections/waste_points/items?limit=5&offset=10").json()
    assert [f["id"] for f in doc["features"]] == expected[10:15]


def test_bbox_and_property_filters(world):
    made = waste_field(world, n=90)
    box = (106.694, 10.779, 106.7, 10.7815)
    doc = get("/ogc/collections/waste_points/items?bbox=" + ",".join(map(str, box))).json()
    inside = [p.pk for p in public_waste() if box[0] <= p.geom.x <= box[2] and box[1] <= p.geom.y <= box[3]]
    assert len(inside) > 3
    assert [f["id"] for f in doc["features"]] == inside

    doc = get("/ogc/collections/waste_points/items?kind=toilet&condition=good").json()
    assert [f["id"] for f in doc["features"]] == [
        p.pk for p in public_waste() if p.kind == "toilet" and p.condition == "good"
    ]
    # A filter on a joined attribute (the khu phố's name), and a source owner never matches.
    doc = get("/ogc/collections/waste_points/items?khu_pho=Khu phố 2").json()
    assert {f["id"] for f in doc["features"]} == {p.pk for p in public_waste() if p.khu_pho_id == world.kp_a2.pk}
    assert get("/ogc/collections/waste_points/items?kind=source_owner").json()["features"] == []
    assert made


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=106.8,10,106.7,11",
        "bbox=a,b,c,d",
        "limit=-3",
        "limit=abc",
        "contact_name=x",
        "capacity=lots",
        "bbox-crs=EPSG:3857",
        "f=xml",
    ],
)
def test_bad_parameters_are_400_in_the_portal_shape(world, query):
    response = get(f"/ogc/collections/waste_points/items?{query}")
    assert response.status_code == 400, query
    body = response.json()
    assert body["message"] and body["message_en"]


def test_a_limit_over_the_maximum_is_clamped(world):
    waste_field(world, n=10)
    response = get(f"/ogc/collections/waste_points/items?limit={ogc.MAX_LIMIT * 10}")
    assert response.streaming  # clamped to MAX_LIMIT, still over STREAM_OVER
    doc = json.loads(b"".join(response.streaming_content))
    assert doc["numberReturned"] == len(public_waste())


def test_one_item_with_its_version_as_etag(world):
    made = waste_field(world)
    p = public_waste()[0]
    response = get(f"/ogc/collections/waste_points/items/{p.pk}")
    assert response.status_code == 200 and response["ETag"] == f'"{p.version}"'
    doc = response.json()
    assert doc["id"] == p.pk and set(doc["properties"]) == PUBLIC_WASTE
    assert any(link["rel"] == "collection" for link in doc["links"])
    assert get(f"/ogc/collections/waste_points/items/{p.pk}", **{"If-None-Match": f'"{p.version}"'}).status_code == 304
    hidden = [q for q in made if q.is_deleted or q.kind == "source_owner"]
    for q in hidden:
        assert get(f"/ogc/collections/waste_points/items/{q.pk}").status_code == 404
    assert get("/ogc/collections/waste_points/items/abc").status_code == 404


def test_joined_properties_keep_their_place_and_are_null_without_a_related_row(world):
    waste_field(world, n=12)
    alone = waste_point(world.ward_a, None, name='Không khu phố "A\\B"\n')
    response = get("/ogc/collections/waste_points/items?limit=100")
    text = response.content.decode()
    doc = json.loads(text)  # one valid document, whatever the values hold
    order = [f.name for f in registry.get("waste_points").public_fields]
    by_id = {f["id"]: f for f in doc["features"]}
    assert list(by_id[alone.pk]["properties"]) == order
    assert by_id[alone.pk]["properties"]["khu_pho"] is None
    assert by_id[alone.pk]["properties"]["name"] == 'Không khu phố "A\\B"\n'
    for p in public_waste():
        assert list(by_id[p.pk]["properties"]) == order
        assert by_id[p.pk]["properties"]["khu_pho"] == (p.khu_pho.name if p.khu_pho else None)
    # Compact JSON as PostgreSQL wrote it: no spaces after separators outside the values.
    assert '"properties":{"kind":' in text and '", "' not in text
    # A filter on the joined property still selects on the related row, and never matches the row without one.
    doc = get(f"/ogc/collections/waste_points/items?khu_pho={world.kp_a1.name}").json()
    assert alone.pk not in {f["id"] for f in doc["features"]} and doc["features"]


def test_businesses_are_served_with_their_public_fields(world):
    doc = get("/ogc/collections/businesses/items").json()
    assert {f["properties"]["signboard"] for f in doc["features"]} == {b.signboard for b in world.businesses}
    text = json.dumps(doc, ensure_ascii=False)
    for b in world.businesses:
        assert b.owner_name not in text and b.owner_phone not in text


def test_more_than_ten_thousand_features_are_streamed(world):
    n = ogc.STREAM_OVER + 50
    with connection.cursor() as cur:
        # Bulk rows straight in SQL (the ORM would take a minute): bins on a grid inside ward A.
        cur.execute(
            """INSERT INTO layers_wastepoint (kind, name, address, capacity, operator, collection_schedule,
                   condition, source_kind, fee_status, contact_name, contact_phone, ward_id, geom, is_deleted, version)
               SELECT 'bin', 'Thùng ' || i, '', 240, '', '', 'good', '', '', '', '', %s,
                      ST_SetSRID(ST_MakePoint(106.695 + (i %% 100) * 0.0001, 10.775 + (i / 100) * 0.0001), 4326),
                      false, 1
                 FROM generate_series(1, %s) i""",
            [world.ward_a.pk, n],
        )
    response = get(f"/ogc/collections/waste_points/items?limit={n}")
    assert response.streaming
    doc = json.loads(b"".join(response.streaming_content))
    assert doc["numberReturned"] == n == len(doc["features"])
    ids = [f["id"] for f in doc["features"]]
    assert ids == sorted(ids) and len(set(ids)) == n
    assert any(link["rel"] == "next" for link in doc["links"])
    # The page after the last is empty, and has no next link.
    response = get(f"/ogc/collections/waste_points/items?limit={n}&after={ids[-1]}")
    doc = json.loads(b"".join(response.streaming_content))
    assert doc["features"] == [] and not any(link["rel"] == "next" for link in doc["links"])
