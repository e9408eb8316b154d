"""Hostile inputs against imagery uploads, parcels, permits, citizen reports and theme layer definitions
(tests/hostile/walk.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.hostile import inputs as h
from tests.hostile.walk import Send, client_for, post_json, upload, walk

# --- imagery, land, reports, themes -------------------------------------------------------------------------


def test_imagery_uploads(world, settings, tmp_path):
    from tests.imagery.rasters import write_geotiff

    settings.IMAGERY_ROOT = tmp_path / "imagery"
    url = "/api/v1/imagery/acquisitions/"
    good = tmp_path / "good.tif"
    write_geotiff(good)

    def cases():
        for tiff_id, data in h.corrupt_tiffs():
            yield tiff_id, upload(url, "anh.tif", data, ward=world.ward_a.pk, acquired_on="2024-01-05")
        yield (
            "tiff-without-crs",
            upload(url, "anh.tif", h.tiff_without_crs(), ward=world.ward_a.pk, acquired_on="2024-01-05"),
        )
        yield (
            "path-traversal",
            post_json(url, {"path": "../../../../etc/passwd", "ward": world.ward_a.pk, "acquired_on": "2024-01-05"}),
        )
        for sql in h.SQL_IDS:
            yield (
                f"ward-sql-{sql[:12]}",
                upload(url, "anh.tif", h.corrupt_tiffs()[0][1], ward=sql, acquired_on="2024-01-05"),
            )
        yield (
            "date-nonsense",
            upload(url, "anh.tif", h.tiff_without_crs(), ward=world.ward_a.pk, acquired_on="2024-02-30"),
        )

    valid = upload(url, "anh.tif", good.read_bytes(), ward=world.ward_a.pk, acquired_on="2024-01-05")
    walk(world, "imagery uploads", client_for(world, "land_officer"), cases(), valid)


def test_citizen_reports_with_photos(world):
    url = "/api/v1/reports/"
    base = {"kind": "flooding", "description": "Nước ngập sâu 30 cm trước nhà số 12.", "lat": h.LAT, "lon": h.LON}

    addresses = iter(range(1, 250))

    def report(**over) -> Send:
        # Each from its own address: five reports an hour per client (layers/reports/throttle.py).
        data = {**base, **over}
        return lambda c: Client(HTTP_X_REAL_IP=f"203.0.113.{next(addresses)}").post(url, data)

    def cases():
        for photo_id, name, data in h.hostile_photos():
            yield photo_id, report(photos=[SimpleUploadedFile(name, data)])
        for coord_id, (lat, lon) in {"nan": ("NaN", "NaN"), "inf": ("inf", h.LON), "out-of-range": (95, 200)}.items():
            yield f"coords-{coord_id}", report(lat=lat, lon=lon)
        for text_id, text in h.HOSTILE_TEXT:
            yield f"description-{text_id}", report(description=text)
        yield "ten-megabyte-body", post_json(url, h.ten_megabyte_json(base))

    walk(world, "citizen reports", Client(HTTP_X_REAL_IP="203.0.113.77"), cases(), report())


def test_parcels_from_vn2000_corners(world):
    url = "/api/v1/parcels/"

    def parcel(corners, **over) -> Send:
        return post_json(url, {"sheet_no": "4", "parcel_no": "8", "corners": corners, "srid": 9210, **over})

    def cases():
        yield "corners-nan", parcel("1 NaN NaN\n2 1191000 602000\n3 1191010 602010")
        yield "corners-infinity", parcel("1 inf 602000\n2 1191000 602000\n3 1191010 602010")
        yield "corners-two-points", parcel("1 1191000 602000\n2 1191010 602010")
        yield "corners-out-of-zone", parcel("1 1 1\n2 2 1\n3 2 2\n4 1 2")
        yield "corners-swapped-wgs84", parcel(f"1 {h.LAT} {h.LON}\n2 {h.LAT} {h.LON + 1e-4}\n3 {h.LAT - 1e-4} {h.LON}")
        yield (
            "corners-self-intersecting",
            parcel("1 1191000 602000\n2 1191010 602010\n3 1191000 602010\n4 1191010 602000"),
        )
        yield (
            "corners-million",
            parcel("\n".join(f"{i} {1191000 + i % 1000} {602000 + i // 1000}" for i in range(1_000_000))),
        )
        yield "corners-sql", parcel("1 1191000 602000; DROP TABLE land_parcel; --")
        yield "srid-unknown", parcel("1 1191000 602000\n2 1191010 602000\n3 1191010 602010", srid=99999)
        yield "srid-sql", parcel("1 1191000 602000\n2 1191010 602000\n3 1191010 602010", srid="9210 OR 1=1")
        for text_id, text in h.HOSTILE_TEXT:
            yield f"parcel-no-{text_id}", parcel("1 1191000 602000\n2 1191010 602000\n3 1191010 602010", parcel_no=text)

    from tests.imagery.test_parcels import as_text, doc_corners

    valid = parcel(as_text(doc_corners(h.LON, h.LAT)))
    walk(world, "parcels", client_for(world, "land_officer"), cases(), valid)


def test_permits(world):
    url = "/api/v1/permits/"

    def permit(footprint, **over) -> Send:
        return post_json(url, {"permit_no": "9/GP", "issued_on": "2021-01-05", "footprint": footprint, **over})

    def cases():
        for geom_id, geom in h.bad_polygons():
            yield geom_id, permit(geom)
        for text_id, text in h.HOSTILE_TEXT:
            yield f"permit-no-{text_id}", permit({"type": "Polygon", "coordinates": [h.ring()]}, permit_no=text)
        yield "floors-sql", permit({"type": "Polygon", "coordinates": [h.ring()]}, floors="3; DROP TABLE x")
        yield "date-nonsense", permit({"type": "Polygon", "coordinates": [h.ring()]}, issued_on="2021-02-30")

    valid = permit({"type": "Polygon", "coordinates": [h.ring()]})
    walk(world, "permits", client_for(world, "land_officer"), cases(), valid)


def test_theme_layer_definitions(world):
    from tests.layers.themes.helpers import streetlights

    url = "/api/v1/themes/"

    def cases():
        for text_id, text in h.HOSTILE_TEXT:
            slug = "t_" + text_id.replace("-", "_")  # its own slug: an accepted one must not make the next a 409
            yield f"name-{text_id}", post_json(url, streetlights(world, slug=slug, name_vi=text))
        yield "slug-traversal", post_json(url, streetlights(world, slug="../../etc"))
        yield "slug-sql", post_json(url, streetlights(world, slug="x'; DROP TABLE layers_themelayer; --"))
        yield (
            "field-name-sql",
            post_json(
                url,
                streetlights(
                    world, fields=[{"name": "a; DROP TABLE x", "title": "A", "title_en": "A", "type": "text"}]
                ),
            ),
        )
        yield (
            "ten-thousand-fields",
            post_json(
                url,
                streetlights(
                    world,
                    fields=[{"name": f"f{i}", "title": "A", "title_en": "A", "type": "text"} for i in range(10_000)],
                ),
            ),
        )
        yield (
            "style-color-script",
            post_json(url, streetlights(world, style={"color": "red;background:url(javascript:x)"})),
        )
        yield "minzoom-nan", post_json(url, streetlights(world, minzoom=float("nan")))
        yield "ten-megabyte-body", post_json(url, h.ten_megabyte_json(streetlights(world)))

    walk(world, "theme definitions", client_for(world, "admin"), cases(), post_json(url, streetlights(world)))
