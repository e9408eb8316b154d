"""import_admin_units on files generated here: CRS, repair, overlaps, look-alike letters, all or nothing."""

from __future__ import annotations

from io import StringIO

import geopandas as gpd
import pytest
import shapely
from django.core.management import CommandError, call_command

from layers.models import AdminUnit
from layers.units.admin_import import ImportRefused, import_admin_units

pytestmark = pytest.mark.django_db

X0, Y0 = 686_000.0, 1_192_000.0  # UTM 48N, central HCMC


def box(i: int, j: int = 0, size: float = 1000.0) -> shapely.Polygon:
    return shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def write(tmp_path, name: str, rows: list[dict], crs: int | None = 32648, driver: str | None = None):
    path = tmp_path / name
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=crs,
    )
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("import_admin_units", *map(str, args), stdout=out, stderr=StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


WARDS = [
    {"Com_Name": "Bến Nghé", "Com_ID": "26740", "Dist_ID": "760", "geometry": box(0)},
    {"Com_Name": "Ða Kao", "Com_ID": "26734", "Dist_ID": "760", "geometry": box(1)},
    {"Com_Name": "Xã Bình Hưng", "Com_ID": "27595", "Dist_ID": "785", "geometry": box(2)},
]


def test_geopackage_in_utm_imports_then_reimport_is_unchanged(tmp_path):
    path = write(tmp_path, "wards.gpkg", WARDS)
    out, err = run(path, "--level", "ward", "--valid-from", "2019-04-01")
    assert err is None, out
    assert "imported: 3" in out
    units = {u.code: u for u in AdminUnit.objects.filter(level="ward")}
    assert {c: u.name for c, u in units.items()} == {"26740": "Bến Nghé", "26734": "Đa Kao", "27595": "Xã Bình Hưng"}
    assert units["27595"].kind == "xa" and units["26740"].kind == "phuong"
    # Reprojected from UTM 48N: the first box lies around 106.7 E, 10.78 N.
    c = units["26740"].boundary.centroid
    assert 106.6 < c.x < 106.8 and 10.7 < c.y < 10.9
    assert units["26740"].boundary.srid == 4326 and units["26740"].boundary.geom_type == "MultiPolygon"

    out, err = run(path, "--level", "ward", "--valid-from", "2019-04-01")
    assert err is None, out
    assert "Thêm mới / imported: 0; cập nhật / updated: 0; không đổi / unchanged: 3" in out
    assert AdminUnit.objects.filter(level="ward").count() == 3
    assert all(u.version == 1 for u in AdminUnit.objects.all())


def test_look_alike_eth_is_fixed_and_reported(tmp_path):
    path = write(tmp_path, "wards.gpkg", WARDS)
    report = import_admin_units(path, "ward")
    assert [(f.before, f.after) for f in report.fixes] == [("Ða Kao", "Đa Kao")]
    assert "\u00d0" not in AdminUnit.objects.get(code="26734").name
    assert "look-alike fixed" in "\n".join(report.lines())


def test_changed_boundary_is_an_update(tmp_path):
    import_admin_units(write(tmp_path, "a.gpkg", WARDS), "ward")
    moved = [dict(WARDS[0], geometry=box(0, 1)), *WARDS[1:]]
    report = import_admin_units(write(tmp_path, "b.gpkg", moved), "ward")
    assert len(report.updated) == 1 and len(report.unchanged) == 2
    assert AdminUnit.objects.get(code="26740").version == 2


def bow_tie() -> shapely.Polygon:
    return shapely.Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000), (X0, Y0)])


def test_bow_tie_refused_without_repair_and_repaired_with_it(tmp_path):
    rows = [
        {"name": "Phường Một", "code": "90001", "geometry": box(3)},
        {"name": "Phường Nơ", "code": "90002", "geometry": bow_tie()},
    ]
    path = write(tmp_path, "bowtie.gpkg", rows)
    out, err = run(path, "--level", "ward")
    assert err is not None
    assert "Phường Nơ [90002]" in out and "invalid geometry" in out and "Self-intersection" in out
    assert AdminUnit.objects.count() == 0  # nothing written, not even the valid unit

    out, err = run(path, "--level", "ward", "--repair")
    assert err is None, out
    assert "repaired: Phường Nơ [90002]" in out
    fixed = AdminUnit.objects.get(code="90002").boundary
    assert fixed.valid and fixed.geom_type == "MultiPolygon" and len(fixed) == 2
    assert AdminUnit.objects.count() == 2


def test_shapefile_without_prj_is_refused(tmp_path):
    path = write(tmp_path, "wards.shp", WARDS, crs=None)
    assert not path.with_suffix(".prj").exists()
    _out, err = run(path, "--level", "ward")
    assert err is not None and ".prj" in str(err)
    assert AdminUnit.objects.count() == 0


def test_shapefile_with_prj_imports(tmp_path):
    path = write(tmp_path, "wards.shp", WARDS)
    report = import_admin_units(path, "ward")
    assert len(report.created) == 3
    assert AdminUnit.objects.get(code="26734").name == "Đa Kao"


def test_overlapping_districts_reported_and_refused_unless_allowed(tmp_path):
    rows = [
        {"localname": "Tp Thủ Đức", "geometry": shapely.union(box(0), box(1))},
        {"localname": "Quận 2", "geometry": box(0)},
        {"localname": "Quận 9", "geometry": box(1)},
        {"localname": "Quận 1", "geometry": box(5)},
    ]
    path = write(tmp_path, "districts.geojson", rows, crs=32648, driver="GeoJSON")
    with pytest.raises(ImportRefused) as exc:
        import_admin_units(path, "district")
    overlaps = {(o.a, o.b): round(o.share, 3) for o in exc.value.report.overlaps}
    assert overlaps == {("Tp Thủ Đức", "Quận 2"): 1.0, ("Tp Thủ Đức", "Quận 9"): 1.0}
    assert AdminUnit.objects.count() == 0

    out, err = run(path, "--level", "district", "--allow-overlaps")
    assert err is None, out
    assert "overlap: Tp Thủ Đức × Quận 2: 100.0%" in out
    assert AdminUnit.objects.filter(level="district").count() == 4
    assert AdminUnit.objects.get(name="Tp Thủ Đức").kind == "thanh_pho"
    # No code in the file: matched by folded name the second time.
    report = import_admin_units(path, "district", allow_overlaps=True)
    assert len(report.unchanged) == 4


def test_touching_units_are_no_overlap(tmp_path):
    report = import_admin_units(write(tmp_path, "w.gpkg", WARDS), "ward", dry_run=True)
    assert report.overlaps == [] and len(report.created) == 3
    assert AdminUnit.objects.count() == 0  # dry run rolled back


def test_parent_code_field_links_the_district(tmp_path):
    import_admin_units(
        write(tmp_path, "d.gpkg", [{"Dist_Name": "Quận 1", "Dist_ID": "760", "geometry": box(0, size=3000)}]),
        "district",
    )
    out, err = run(write(tmp_path, "w.gpkg", WARDS), "--level", "ward", "--parent-code-field", "Dist_ID")
    assert err is not None and "no parent unit with code 785" in out
    assert AdminUnit.objects.filter(level="ward").count() == 0
    report = import_admin_units(write(tmp_path, "w2.gpkg", WARDS[:2]), "ward", parent_code_field="Dist_ID")
    assert len(report.created) == 2
    assert {u.parent.code for u in AdminUnit.objects.filter(level="ward")} == {"760"}
