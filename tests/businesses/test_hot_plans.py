"""The public hot paths' plans, through the same driver and binding the API uses (EXPLAIN): index or index-only
scans of the indexes made for them, never a sequential scan of a business table, no BitmapAnd.

The radius count and page, and the tiles, are checked beside their own tests (test_radius.py, test_tiles.py);
here: the wide radius count by key ranges, the radius POIs, and the name check city-wide, in a ward and in a
former district. On the demo ward (~5,200 businesses, analysed); bench/radius.py prints the same at 1M.
"""

from __future__ import annotations

import pytest
from django.db import connection

from businesses import namecheck, radius
from gisportal.demo import DemoContext, run
from layers.models import AdminUnit

LON, LAT = 106.6835, 10.7745  # inside the demo ward


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        run(DemoContext(password="pw-demo-1", log=lambda _m: None))
        with connection.cursor() as cur:
            for table in ("businesses_business", "businesses_radius_point", "businesses_radius_cell",
                          "businesses_namekey_city", "businesses_namekey_ward", "layers_poi"):  # fmt: skip
                cur.execute(f"ANALYZE {table}")
        yield
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _clean(plan: str, tables: tuple[str, ...]) -> None:
    for table in tables:
        assert f"Seq Scan on {table}" not in plan, plan
    # A BitmapAnd of a selective index and a broad one (a ward's 5,200 rows) read the broad one in full.
    assert "BitmapAnd" not in plan, plan


BUSINESS_TABLES = (
    "businesses_business",
    "businesses_radius_point",
    "businesses_namekey_city",
    "businesses_namekey_ward",
)


@pytest.fixture
def at_scale(db):
    """The planner as it plans at scale: the demo's ~2,000 taken names are a few dozen pages, which it rightly
    reads in full; at the bench's 1M businesses (bench/radius.py prints the plan) it reads the indexes. With
    sequential scans priced out, the plan shows the query can use them (operator classes, partial predicates)."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # until the test's transaction ends


@pytest.mark.parametrize("name", ["Phở Hòa", "tap hoa minh", "Cà phê"])
def test_the_city_wide_name_check_probes_the_taken_key_index_once_per_key(demo, at_scale, name):
    plan = namecheck.explain_match(name, None)
    assert "namekey_city_trgm" in plan and "namekey_city_compact" in plan, plan
    # One probe per key of a taken-key index (at 1M: business_taken_key, already in id order; on the demo's
    # few rows a key's probe of business_taken_key_ward costs the planner the same).
    assert "Index Cond: ((signboard_key)::text = k.key)" in plan and "business_taken_key" in plan, plan
    _clean(plan, BUSINESS_TABLES)


@pytest.mark.parametrize("name", ["Phở Hòa", "tap hoa minh", "Cà phê"])
def test_name_check_plans_never_and_two_bitmaps(demo, db, name):
    """As planned on the demo itself (no setting): whatever it reads, never a BitmapAnd of two indexes."""
    ward = AdminUnit.objects.filter(level="ward", valid_to__isnull=True, businesses__isnull=False).first()
    for wards in (None, [ward.pk]):
        assert "BitmapAnd" not in namecheck.explain_match(name, wards)


@pytest.mark.parametrize("name", ["Phở Hòa", "tap hoa minh", "Cà phê"])
def test_a_ward_name_check_reads_the_wards_trigram_index_and_probes_key_and_ward(demo, at_scale, name):
    ward = AdminUnit.objects.filter(level="ward", valid_to__isnull=True, businesses__isnull=False).first()
    plan = namecheck.explain_match(name, [ward.pk])
    # The ward's keys through an index led by the ward: its trigram GIN (at 1M, where a ward is 1/200 of the
    # keys) or, when the ward is all the demo has, the ward's range of (ward_id, compact) and the trigram test.
    assert "namekey_ward_trgm" in plan or "namekey_ward_compact" in plan, plan
    # (At 1M the ward is in the probe's Index Cond too; the demo's one ward makes it no narrower here.)
    assert "business_taken_key_ward" in plan and "Index Cond: ((signboard_key)::text = k.key" in plan, plan
    _clean(plan, BUSINESS_TABLES)
    # A former district's area: a few wards, the same indexes.
    wards = list(AdminUnit.objects.filter(level="ward", valid_to__isnull=True).values_list("pk", flat=True)[:4])
    plan = namecheck.explain_match(name, wards)
    assert "business_taken_key_ward" in plan, plan
    _clean(plan, BUSINESS_TABLES)


def test_the_taken_key_indexes_hold_only_the_rows_a_probe_returns(demo, db):
    """Their predicate is the check's own (TAKEN_STATUSES, not deleted): a probe never reads a closed business."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [["business_taken_key", "business_taken_key_ward"]],
        )
        defs = dict(cur.fetchall())
    assert set(defs) == {"business_taken_key", "business_taken_key_ward"}
    for definition in defs.values():
        assert "'active'" in definition and "'suspended'" in definition and "NOT is_deleted" in definition
    assert set(namecheck.TAKEN_STATUSES) == {"active", "suspended"}


def test_a_wide_radius_count_is_an_index_only_scan_of_the_key_index(demo, db):
    plan = radius.explain_count(LON, LAT, 2000)
    assert "Index Only Scan using radius_point_key" in plan, plan  # the rim's points
    assert "using businesses_radius_cell_pkey" in plan, plan  # whole cells' counts
    _clean(plan, BUSINESS_TABLES + ("businesses_industry",))


@pytest.mark.parametrize("r", [100, 300, 2000])  # 500 m holds half the demo's points: test_radius.py says why
def test_a_radius_count_names_its_industries_by_their_key(demo, db, r):
    """A circle holds a few dozen industries: their codes and names come by primary key, one probe each. A
    hash join read all 3,155 VSIC codes for them (0.3 ms of a 1 ms count at 100 m, bench/radius.py)."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE businesses_industry")
    plan = radius.explain_count(LON, LAT, r)
    assert "Index Scan using businesses_industry_pkey" in plan, plan
    _clean(plan, BUSINESS_TABLES + ("businesses_industry",))


# 2 km covers the whole demo ward and its few hundred POIs: reading them all is then right (as test_radius.py).
@pytest.mark.parametrize("r", [100, 500])
def test_the_radius_pois_and_page_use_their_gist_indexes(demo, db, r):
    plan = radius.explain_pois(LON, LAT, r)
    assert "poi_geom_m_gist" in plan, plan
    _clean(plan, ("layers_poi",))
    plan = radius.explain_list(LON, LAT, r, limit=50)
    assert "Index Scan using business_geom_m_gist" in plan, plan
    _clean(plan, BUSINESS_TABLES)
    # The page's industries: a probe of the primary key per row, never a join reading the codes' index in order.
    assert "Index Cond: (id = s.industry_id)" in plan, plan
    assert "Merge Join" not in plan and "Hash Join" not in plan, plan
