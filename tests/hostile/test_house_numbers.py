"""Hostile inputs against house-number edits and imports (tests/hostile/walk.py)."""

from __future__ import annotations

from tests.hostile import inputs as h
from tests.hostile.walk import client_for, post_json, upload, walk

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
    walk(world, "house number edits", client_for(world, "ward_officer"), cases(), valid)


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
    walk(world, "house number imports", client_for(world, "ward_officer"), cases(), valid)
