"""`manage.py import_basemap`: a tiny OpenStreetMap XML file, written here, through GDAL's OSM driver."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from layers.models import BasemapFeature

LON, LAT = 106.6835, 10.7745
D = 0.0002  # ~22 m


def node(i: int, dx: float, dy: float, tags: dict | None = None) -> str:
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in (tags or {}).items())
    return f'<node id="{i}" version="1" lat="{LAT + dy:.7f}" lon="{LON + dx:.7f}">{inner}</node>'


def way(i: int, refs: list[int], tags: dict) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}" version="1">{nds}{inner}</way>'


def osm_file(tmp_path, street_name: str = "Nguyễn Đình Chiểu") -> str:
    """A street, a building, a pond, a park and a tree."""
    nodes = [
        node(1, -3 * D, 0), node(2, 3 * D, 0),  # the street
        node(3, 0, D), node(4, D, D), node(5, D, 2 * D), node(6, 0, 2 * D),  # the building
        node(7, -2 * D, -D), node(8, -D, -D), node(9, -D, -2 * D), node(10, -2 * D, -2 * D),  # the pond
        node(11, D, -D), node(12, 2 * D, -D), node(13, 2 * D, -2 * D), node(14, D, -2 * D),  # the park
        node(15, 0.5 * D, -0.5 * D, {"natural": "tree"}),
    ]  # fmt: skip
    ways = [
        way(100, [1, 2], {"highway": "primary", "name": street_name, "width": "14"}),
        way(101, [3, 4, 5, 6, 3], {"building": "yes", "building:levels": "3"}),
        way(102, [7, 8, 9, 10, 7], {"natural": "water", "name": "Hồ Con Rùa"}),
        way(103, [11, 12, 13, 14, 11], {"leisure": "park", "name": "Công viên Lê Thị Riêng"}),
    ]
    path = tmp_path / "ward.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">'
        + "".join(nodes)
        + "".join(ways)
        + "</osm>",
        encoding="utf-8",
    )
    return str(path)


def run(*args) -> str:
    out = StringIO()
    call_command("import_basemap", *args, stdout=out)
    return out.getvalue()


def test_an_extract_becomes_basemap_rows_once(db, tmp_path):
    path = osm_file(tmp_path)
    out = run(path)
    assert "street 1" in out and "building 1" in out
    rows = {f.kind: f for f in BasemapFeature.objects.filter(source="osm")}
    assert set(rows) == {"street", "building", "water", "park", "tree"}
    street = rows["street"]
    assert (street.name, street.subkind, street.width_m, street.source_id) == (
        "Nguyễn Đình Chiểu",
        "primary",
        14.0,
        "way/100",
    )
    assert rows["building"].source_id == "way/101" and rows["building"].attrs["building:levels"] == "3"
    assert rows["water"].name == "Hồ Con Rùa" and rows["park"].name == "Công viên Lê Thị Riêng"
    assert rows["tree"].source_id == "node/15"
    assert rows["building"].geom.contains(rows["building"].geom.centroid)
    # Again, with the street renamed: the same OSM ids are replaced, not duplicated.
    out = run(osm_file(tmp_path, "Nguyễn Thị Minh Khai"))
    assert "replaced 5" in out
    assert BasemapFeature.objects.filter(source="osm").count() == 5
    assert BasemapFeature.objects.get(source="osm", kind="street").name == "Nguyễn Thị Minh Khai"


def test_bbox_keeps_only_what_it_covers(db, tmp_path):
    path = osm_file(tmp_path)
    # The north-east quarter around the building only.
    run(path, "--bbox", f"{LON - 0.1 * D},{LAT + 0.5 * D},{LON + 2 * D},{LAT + 3 * D}")
    kinds = set(BasemapFeature.objects.filter(source="osm").values_list("kind", flat=True))
    assert "building" in kinds and "water" not in kinds and "tree" not in kinds


@pytest.mark.parametrize(
    ("make", "args", "words"),
    [
        (lambda p: str(p / "missing.osm.pbf"), [], "Không thấy tệp"),
        (lambda p: (p / "bad.osm").write_text("not xml at all") and str(p / "bad.osm"), [], "GDAL"),
        (osm_file, ["--bbox", "106,10"], "--bbox"),
        (osm_file, ["--bbox", "107,11,106,10"], "--bbox"),
    ],
)
def test_refusals_say_why_and_write_nothing(db, tmp_path, make, args, words):
    with pytest.raises(CommandError) as err:
        run(make(tmp_path), *args)
    assert words in str(err.value)
    assert not BasemapFeature.objects.filter(source="osm").exists()
