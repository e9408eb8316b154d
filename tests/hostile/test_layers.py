"""Hostile inputs against layer feature edits (OGC API Part 4) and GIS imports (tests/hostile/walk.py)."""

from __future__ import annotations

from django.test import Client

from tests.hostile import inputs as h
from tests.hostile.walk import Send, client_for, upload, walk
from tests.layers.world import waste_point

# --- layers: feature edits (OGC API Part 4) and GIS imports -------------------------------------------------

OGC = "/ogc/collections/waste_points/items"
GEOJSON = "application/geo+json"


def test_layer_feature_edits(world):
    point = waste_point(world.ward_a, world.kp_a1, h.LON, h.LAT)
    one = f"{OGC}/{point.pk}"

    def feature(geometry=None, **props) -> dict:
        return {
            "type": "Feature",
            "geometry": geometry or {"type": "Point", "coordinates": [h.LON, h.LAT]},
            "properties": {"name": "Điểm B", "kind": "bin", **props},
        }

    def ogc(url: str, body, method: str = "post", **headers) -> Send:
        data = body if isinstance(body, bytes) else h.dumps(body)
        return lambda c: getattr(c, method)(url, data=data, content_type=GEOJSON, headers=headers)

    def cases():
        for geom_id, geom in h.bad_points():
            yield f"create-{geom_id}", ogc(OGC, feature(geom))
            yield f"patch-{geom_id}", ogc(one, feature(geom), "patch", **{"If-Match": '"1"'})
        for text_id, text in h.HOSTILE_TEXT:
            yield f"create-name-{text_id}", ogc(OGC, feature(name=text))
        yield "ten-megabyte-body", ogc(OGC, h.ten_megabyte_json(feature()))
        yield "not-a-feature", ogc(OGC, {"type": "FeatureCollection", "features": [feature()]})

    walk(world, "layer feature edits", client_for(world, "ward_officer"), cases(), ogc(OGC, feature()))


def test_gis_imports(world):
    url = "/api/v1/layers/waste_points/imports"

    def upload_and_commit(name: str, data: bytes) -> Send:
        """A preview that lists a file's bad rows is how an import refuses them (201, a job with its report);
        the refusal that matters is the commit's, and nothing may reach the layer."""

        def send(c: Client):
            preview = upload(url, name, data)(c)
            if preview.status_code != 201:
                return preview
            return c.post(f"{url}/{preview.json()['id']}/commit")

        return send

    def geojson(geometry) -> bytes:
        return h.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": geometry, "properties": {"name": "x", "kind": "bin"}}],
            }
        ).encode()

    def cases():
        for geom_id, geom in h.bad_points():
            yield f"geojson-{geom_id}", upload_and_commit("points.geojson", geojson(geom))
        yield "geojson-million-vertex-polygon", upload_and_commit("points.geojson", geojson(h.bad_polygons()[0][1]))
        yield (
            "geojson-wrong-crs",
            upload_and_commit(
                "points.geojson",
                h.dumps(
                    {
                        "type": "FeatureCollection",
                        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                        "features": [
                            {
                                "type": "Feature",
                                "geometry": {"type": "Point", "coordinates": [h.LON, h.LAT]},
                                "properties": {},
                            }
                        ],
                    }
                ).encode(),
            ),
        )
        for text_id, text in h.HOSTILE_TEXT[:-1]:
            yield (
                f"csv-name-{text_id}",
                upload_and_commit(
                    "points.csv", f'name,kind,lon,lat\r\n"{text.replace(chr(34), "")}",bin,{h.LON},{h.LAT}\r\n'.encode()
                ),
            )
        yield "zip-bomb", upload_and_commit("points.zip", h.zip_bomb())
        yield "zip-traversal", upload_and_commit("points.zip", h.zip_traversal())
        yield (
            "xlsx-macro",
            upload_and_commit(
                "points.xlsx", h.xlsm_with_macro([["name", "kind", "lon", "lat"], ["x", "bin", h.LON, h.LAT]])
            ),
        )
        yield "not-a-gis-file", upload_and_commit("points.geojson", b"\x89PNG\r\n\x1a\n" + bytes(100))

    good = geojson({"type": "Point", "coordinates": [h.LON, h.LAT]})
    walk(world, "gis imports", client_for(world, "admin"), cases(), upload_and_commit("points.geojson", good))
