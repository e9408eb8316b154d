"""Hostile inputs against every import, upload and write endpoint: each refused with a 4xx in the portal's
error shape ({"error", "message" (vi), "message_en"}), and nothing written (every data table's row count and
checksum the same before and after). One test per endpoint walks its inputs; the ids and the count tried are
printed (`-s`), and each test asserts it tried them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.hostile import inputs as h
from tests.hostile.snapshot import changed, snapshot
from tests.layers.world import waste_point

Send = Callable[[Client], object]
TRIED: dict[str, int] = {}


def client_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def post_json(url: str, body, method: str = "post", **headers) -> Send:
    data = body if isinstance(body, bytes | str) else h.dumps(body)
    return lambda c: getattr(c, method)(url, data=data, content_type="application/json", headers=headers)


def post_form(url: str, **fields) -> Send:
    return lambda c: c.post(url, fields)


def upload(url: str, name: str, data: bytes, **fields) -> Send:
    return lambda c: c.post(url, {"file": SimpleUploadedFile(name, data), **fields})


def _walk(world, endpoint: str, client: Client, cases: Iterator[tuple[str, Send]], valid: Send) -> None:
    """Send every hostile case, then `valid`: the same request done right must succeed and write, so each
    refusal above is for what the case changed and not for something else the request lacked."""
    problems, tried = [], 0
    for case_id, send in cases:
        tried += 1
        before = snapshot()
        response = send(client)
        after = snapshot()
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, TypeError):
            body = None
        if not 400 <= status < 500:
            problems.append(f"{case_id}: {status} {response.content[:200]!r}")
        elif not (isinstance(body, dict) and body.get("error") and body.get("message") and body.get("message_en")):
            problems.append(f"{case_id}: {status} without the error body: {response.content[:200]!r}")
        if diff := changed(before, after):
            problems.append(f"{case_id}: {status} but wrote {sorted(diff)}")
    before = snapshot()
    response = valid(client)
    if not 200 <= response.status_code < 300 or not changed(before, snapshot()):
        problems.append(f"the valid request: {response.status_code} {response.content[:300]!r}")
    TRIED[endpoint] = tried
    print(f"\n{endpoint}: {tried} hostile inputs, {len(problems)} problems")
    assert not problems, "\n".join(problems)


def _text_cases(make: Callable[[str, str], Send]) -> Iterator[tuple[str, Send]]:
    for text_id, text in h.HOSTILE_TEXT:
        yield text_id, make(text_id, text)


# --- businesses ---------------------------------------------------------------------------------------------


def business_body(world, **props) -> dict:
    base = {
        "registration_no": "41H1-0000001",
        "signboard": "Phở Ngon",
        "industry": world.businesses[0].industry_id,
        "address_current": "12 Đường Số 3, Phường An Nhơn",
        "owner_name": "Nguyễn Văn Chủ",
        "owner_phone": "0901234567",
        "registered_on": "2020-05-01",
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [h.LON, h.LAT]},
        "properties": {**base, **props},
    }


def test_business_create(world):
    url = "/api/v1/businesses/"

    def cases():
        for geom_id, geom in h.bad_points():
            yield geom_id, post_json(url, {**business_body(world), "geometry": geom})
        for field in ("signboard", "owner_name", "address_current"):
            yield from ((f"{field}-{i}", post_json(url, business_body(world, **{field: t}))) for i, t in h.HOSTILE_TEXT)
        for sql in h.SQL_IDS:
            yield f"industry-sql-{sql[:12]}", post_json(url, business_body(world, industry=sql))
        yield "ten-megabyte-body", post_json(url, h.ten_megabyte_json(business_body(world)))
        yield "not-json", post_json(url, b'{"type": "Feature", "geometry": ')
        yield "array-body", post_json(url, [business_body(world)] * 3)

    valid = post_json(url, business_body(world))
    _walk(world, "business create", client_for(world, "ward_officer"), cases(), valid)


def test_business_patch(world):
    b = world.businesses[0]
    url = f"/api/v1/businesses/{b.pk}/"
    version = {"If-Match": f'"{b.version}"'}  # the version read: a refusal must be for the input, not for a 428

    def cases():
        for geom_id, geom in h.bad_points():
            yield geom_id, post_json(url, {"type": "Feature", "geometry": geom, "properties": {}}, "patch", **version)
        for field in ("signboard", "owner_name"):
            for text_id, text in h.HOSTILE_TEXT:
                body = {"type": "Feature", "properties": {field: text}}
                yield f"{field}-{text_id}", post_json(url, body, "patch", **version)
        form = "type=Feature&properties=x"
        yield "form-data", lambda c: c.patch(url, form, "application/x-www-form-urlencoded", headers=version)
        big = h.ten_megabyte_json({"type": "Feature", "properties": {}})
        yield "ten-megabyte-body", post_json(url, big, "patch", **version)

    valid = post_json(url, {"type": "Feature", "properties": {"signboard": "Phở Mới"}}, "patch", **version)
    _walk(world, "business patch", client_for(world, "ward_officer"), cases(), valid)


def test_business_sync_uploads(world):
    url = "/api/v1/businesses/sync"
    columns = "registration_no signboard owner_name owner_phone industry_code address_current status registered_on"
    columns += " lat lon"
    header = ",".join(columns.split()) + "\r\n"

    def row(**over) -> dict:
        base = {
            "registration_no": "41S0000001",
            "signboard": "Phở Hòa",
            "owner_name": "Nguyễn Văn Chủ",
            "owner_phone": "0901234567",
            "industry_code": "5610",
            "address_current": "12 Đường Số 3",
            "status": "active",
            "registered_on": "2020-05-01",
            "lat": str(h.LAT),
            "lon": str(h.LON),
        }
        return {**base, **over}

    def csv_of(r: dict) -> bytes:
        return (header + ",".join(f'"{v}"' for v in r.values()) + "\r\n").encode()

    def cases():
        for text_id, text in h.HOSTILE_TEXT[:-1]:
            yield f"csv-signboard-{text_id}", upload(url, "sync.csv", csv_of(row(signboard=text.replace('"', "'"))))
        for coord_id, (lat, lon) in {
            "nan": ("NaN", "NaN"),
            "inf": ("inf", "106.7"),
            "out-of-range": ("95", "200"),
        }.items():
            yield f"csv-coords-{coord_id}", upload(url, "sync.csv", csv_of(row(lat=lat, lon=lon)))
        yield "json-rows-two-megabyte-name", post_json(url, {"rows": [row(signboard="x" * 2 * 2**20)]})
        yield "zip-bomb", upload(url, "sync.zip", h.zip_bomb())
        yield "zip-traversal", upload(url, "sync.zip", h.zip_traversal("sync.csv", csv_of(row())))
        yield (
            "xlsx-formula",
            upload(url, "sync.xlsx", h.xlsx_with_formula([list(row()), ["=1+1", *list(row().values())[1:]]])),
        )
        yield "xlsx-macro", upload(url, "sync.xlsx", h.xlsm_with_macro([list(row()), list(row().values())]))
        yield "ten-megabyte-body", post_json(url, h.ten_megabyte_json({"rows": []}))

    _walk(world, "business sync", client_for(world, "admin"), cases(), upload(url, "sync.csv", csv_of(row())))


# --- house numbers ------------------------------------------------------------------------------------------


def test_house_number_edits(world):
    from households.models import HouseNumber
    from tests.households.house_world import make_streets

    street = make_streets(world)["ndc_a"]
    house = HouseNumber.objects.create(
        ward=world.ward_a,
        khu_pho=world.kp_a1,
        street=street,
        number="12",
        main=12,
        geom=f"SRID=4326;POINT({h.LON} {h.LAT})",
    )
    url, one = "/api/v1/house-numbers/", f"/api/v1/house-numbers/{house.pk}/"

    def cases():
        for coord_id, (lon, lat) in {
            "nan": ("NaN", "NaN"),
            "inf": ("Infinity", h.LAT),
            "out-of-range": (200, 95),
            "string": ("106; DROP", h.LAT),
        }.items():
            yield f"create-{coord_id}", post_json(url, {"number": "14", "street": street.pk, "lon": lon, "lat": lat})
            yield f"patch-{coord_id}", post_json(one, {"lon": lon, "lat": lat, "version": house.version}, "patch")
        for text_id, text in h.HOSTILE_TEXT:
            yield (
                f"create-number-{text_id}",
                post_json(url, {"number": text, "street": street.pk, "lon": h.LON, "lat": h.LAT}),
            )
            yield f"patch-number-{text_id}", post_json(one, {"number": text, "version": house.version}, "patch")
        for sql in h.SQL_IDS:
            yield f"street-sql-{sql[:12]}", post_json(url, {"number": "16", "street": sql, "lon": h.LON, "lat": h.LAT})
        yield "ten-megabyte-body", post_json(url, h.ten_megabyte_json({"number": "18", "street": street.pk}))

    valid = post_json(url, {"number": "20", "street": street.pk, "lon": h.LON, "lat": h.LAT})
    _walk(world, "house number edits", client_for(world, "ward_officer"), cases(), valid)


def test_house_number_imports(world):
    from tests.households.house_world import make_streets

    make_streets(world)
    url = "/api/v1/house-imports/"
    head = "Số nhà,Đường,lon,lat\r\n"

    def cases():
        for text_id, text in h.HOSTILE_TEXT[:-1]:
            body = (head + f'"{text.replace(chr(34), "")}","Nguyễn Đình Chiểu",{h.LON},{h.LAT}\r\n').encode()
            yield f"csv-number-{text_id}", upload(url, "houses.csv", body, ward=world.ward_a.pk)
        for coord_id, (lon, lat) in {"nan": ("NaN", "NaN"), "inf": ("inf", "inf"), "out-of-range": (200, 95)}.items():
            body = (head + f"12,Nguyễn Đình Chiểu,{lon},{lat}\r\n").encode()
            yield f"csv-coords-{coord_id}", upload(url, "houses.csv", body, ward=world.ward_a.pk)
        yield (
            "crs-unknown",
            upload(
                url,
                "houses.csv",
                (head + f"12,Nguyễn Đình Chiểu,{h.LON},{h.LAT}\r\n").encode(),
                ward=world.ward_a.pk,
                crs="99999",
            ),
        )
        yield (
            "crs-sql",
            upload(
                url,
                "houses.csv",
                (head + f"12,Nguyễn Đình Chiểu,{h.LON},{h.LAT}\r\n").encode(),
                ward=world.ward_a.pk,
                crs="4326; DROP TABLE x",
            ),
        )
        yield "zip-bomb", upload(url, "houses.zip", h.zip_bomb(), ward=world.ward_a.pk)
        yield "zip-traversal", upload(url, "houses.zip", h.zip_traversal("houses.csv"), ward=world.ward_a.pk)
        yield (
            "xlsx-formula",
            upload(
                url,
                "houses.xlsx",
                h.xlsx_with_formula(
                    [["Số nhà", "Đường", "lon", "lat"], ['=HYPERLINK("http://x")', "Nguyễn Đình Chiểu", h.LON, h.LAT]]
                ),
                ward=world.ward_a.pk,
            ),
        )
        yield (
            "xlsx-macro",
            upload(
                url,
                "houses.xlsx",
                h.xlsm_with_macro([["Số nhà", "Đường", "lon", "lat"], ["12", "Nguyễn Đình Chiểu", h.LON, h.LAT]]),
                ward=world.ward_a.pk,
            ),
        )

    valid = upload(
        url,
        "houses.csv",
        (head + f"12,Nguyễn Đình Chiểu,{h.LON},{h.LAT}\r\n").encode(),
        ward=world.ward_a.pk,
        crs="4326",
    )
    _walk(world, "house number imports", client_for(world, "ward_officer"), cases(), valid)


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

    _walk(world, "layer feature edits", client_for(world, "ward_officer"), cases(), ogc(OGC, feature()))


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
    _walk(world, "gis imports", client_for(world, "admin"), cases(), upload_and_commit("points.geojson", good))


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
    _walk(world, "imagery uploads", client_for(world, "land_officer"), cases(), valid)


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

    _walk(world, "citizen reports", Client(HTTP_X_REAL_IP="203.0.113.77"), cases(), report())


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
    _walk(world, "parcels", client_for(world, "land_officer"), cases(), valid)


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
    _walk(world, "permits", client_for(world, "land_officer"), cases(), valid)


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

    _walk(world, "theme definitions", client_for(world, "admin"), cases(), post_json(url, streetlights(world)))
