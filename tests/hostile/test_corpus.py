"""Hostile inputs against the business endpoints (create, patch, sync uploads), walked by tests/hostile/walk.py.

The other endpoints' inputs are in test_house_numbers.py, test_layers.py and test_land_reports_themes.py here.
"""

from __future__ import annotations

from tests.hostile import inputs as h
from tests.hostile.walk import client_for, post_json, upload, walk

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
    walk(world, "business create", client_for(world, "ward_officer"), cases(), valid)


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
    walk(world, "business patch", client_for(world, "ward_officer"), cases(), valid)


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

    walk(world, "business sync", client_for(world, "admin"), cases(), upload(url, "sync.csv", csv_of(row())))
