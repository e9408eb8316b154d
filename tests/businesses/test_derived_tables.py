"""Tables that triggers derive from the businesses stay equal to them, whatever writes them.

The taken-name keys (name check), the narrow radius points and their counts per key cell (radius count), the
sums per z17 tile (cluster tiles).
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import connection

from businesses import radius
from businesses.models import Business
from tests.factories import BusinessFactory

RECOMPUTED = """
SELECT signboard_key, ward_id, count(*) FROM businesses_business
 WHERE status IN ('active', 'suspended') AND NOT is_deleted AND signboard_key <> ''
 GROUP BY 1, 2 ORDER BY 1, 2
"""


def points() -> tuple[list, list]:
    """(the radius point table, what it should hold)."""
    with connection.cursor() as cur:
        cur.execute("SELECT id, industry_id, ST_AsText(geom_m) FROM businesses_radius_point ORDER BY id")
        have = cur.fetchall()
        cur.execute(
            "SELECT id, industry_id, ST_AsText(geom_m) FROM businesses_business"
            " WHERE status = 'active' AND NOT is_deleted ORDER BY id"
        )
        return have, cur.fetchall()


def cells() -> tuple[list, list]:
    """(the radius cell counts, what they should be: the points counted per cell and industry at each level)."""
    with connection.cursor() as cur:
        cur.execute("SELECT level, cell, industry_id, n FROM businesses_radius_cell WHERE n <> 0 ORDER BY 1, 2, 3")
        have = cur.fetchall()
        cur.execute(
            "SELECT l, portal_radius_key(geom_m) >> (2 * l), industry_id, count(*) FROM businesses_radius_point"
            " CROSS JOIN unnest(%s::int[]) AS l GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            [list(radius.CELL_LEVELS)],
        )
        return have, cur.fetchall()


TILE_CELLS_OFF = """
WITH have AS (SELECT cell, n, sx, sy FROM businesses_tile_cell WHERE n <> 0),
     want AS (SELECT portal_tile_key(geom_3857) >> 28 AS cell, count(*) AS n, sum(ST_X(geom_3857)) AS sx,
                     sum(ST_Y(geom_3857)) AS sy
                FROM businesses_business WHERE NOT is_deleted AND status IN ('active', 'suspended') GROUP BY 1)
SELECT cell, h.n, w.n, h.sx - w.sx, h.sy - w.sy FROM have h FULL JOIN want w USING (cell)
 WHERE h.n IS DISTINCT FROM w.n OR NOT abs(h.sx - w.sx) < 1e-3 OR NOT abs(h.sy - w.sy) < 1e-3
"""


def tile_cells_off() -> list:
    """The tile cells whose count or sums (to a millimetre) are not those of the rows."""
    with connection.cursor() as cur:
        cur.execute(TILE_CELLS_OFF)
        return cur.fetchall()


def tile_cells_held() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM businesses_tile_cell WHERE n <> 0")
        return cur.fetchone()[0]


def tables() -> tuple[list, list]:
    with connection.cursor() as cur:
        cur.execute("SELECT key, ward_id, n FROM businesses_namekey_ward ORDER BY 1, 2")
        ward = cur.fetchall()
        cur.execute("SELECT key, n FROM businesses_namekey_city ORDER BY 1")
        city = cur.fetchall()
    return ward, city


def expected() -> tuple[list, list]:
    with connection.cursor() as cur:
        cur.execute(RECOMPUTED)
        ward = [tuple(r) for r in cur.fetchall()]
    city: dict[str, int] = {}
    for key, _w, n in ward:
        city[key] = city.get(key, 0) + n
    return ward, sorted(city.items())


def test_saves_bulk_updates_and_deletes_keep_the_tables_exact(world):
    assert tables() == expected() and tables()[1]
    b = world.businesses[0]
    b.signboard = "PHỞ  HOÀ"  # same key: counts move nowhere
    b.save()
    assert tables() == expected()
    b.signboard = "Bún Bò Cô Ba"
    b.geom = Point(106.6951, 10.7811, srid=4326)
    b.save()
    have, want = points()
    assert have == want
    have, want = cells()
    assert have == want and have
    assert ("bun bo co ba", 1) in tables()[1] and tables() == expected()

    more = [
        BusinessFactory.build(ward=world.ward_a, signboard=f"Tạp hóa {i % 3}", geom=Point(106.695, 10.781, srid=4326))
        for i in range(9)
    ]
    for m in more:
        m.section = m.industry.section
    Business.objects.bulk_create(more)
    assert ("tap hoa 0", 3) in tables()[1] and tables() == expected()

    Business.objects.filter(signboard__startswith="Tạp hóa 1").update(status=Business.Status.TERMINATED)
    Business.objects.filter(signboard__startswith="Tạp hóa 2").update(is_deleted=True)
    Business.objects.filter(signboard__startswith="Tạp hóa 0").update(ward=world.ward_b, geom=Point(106.7, 10.77))
    assert tables() == expected()
    have, want = points()
    assert have == want
    assert all(not k.startswith("tap hoa 1") and not k.startswith("tap hoa 2") for k, _n in tables()[1])

    have, want = points()
    assert have == want and len(have) >= 3
    have, want = cells()
    assert have == want and len(have) >= 3 * len(radius.CELL_LEVELS)
    assert tile_cells_off() == [] and tile_cells_held()
    Business.objects.all().delete()
    assert tables() == ([], []) and points() == ([], []) and cells() == ([], [])
    assert tile_cells_off() == [] and tile_cells_held() == 0


def test_truncate_empties_them(world):
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
        cur.execute("TRUNCATE businesses_business CASCADE")
    assert tables() == ([], []) and points() == ([], [])
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM businesses_radius_cell) + (SELECT count(*) FROM businesses_tile_cell)"
        )
        assert cur.fetchone()[0] == 0


def _versions(business_id: int) -> tuple[list, list]:
    """Where the row versions of a business's radius point and of every cell count and tile cell lie (ctid: a new
    version of a row is a new tuple, even inside the test's one transaction, where xmin would not change)."""
    with connection.cursor() as cur:
        cur.execute("SELECT ctid::text FROM businesses_radius_point WHERE id = %s", [business_id])
        point = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT ctid::text FROM businesses_radius_cell ORDER BY level, cell, industry_id")
        counts = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT ctid::text FROM businesses_tile_cell ORDER BY cell")
        return point, counts + [r[0] for r in cur.fetchall()]


def test_a_save_that_changes_nothing_counted_leaves_the_point_and_the_cells_alone(world):
    """A new signboard takes no lock on the ward's cell counts (migration 0015); a move does, and stays exact."""
    b = next(b for b in world.businesses if b.status == Business.Status.ACTIVE and not b.is_deleted)
    before = _versions(b.pk)
    assert before[0] and before[1]
    b.signboard = "Tiệm Mới Đổi Tên"
    b.owner_phone = "0900000000"
    b.save()
    assert _versions(b.pk) == before
    b.geom = Point(b.geom.x + 0.001, b.geom.y, srid=4326)
    b.save()
    after = _versions(b.pk)
    assert after[0] != before[0] and after[1] != before[1]
    for have, want in (points(), cells()):
        assert have == want
    assert tile_cells_off() == []
