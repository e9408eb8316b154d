"""The dashboard's figures beyond businesses by status, each against SQL written here: businesses registered in
the last 30 days, house numbers in use, waste points by kind and condition, forest change between each plot's
last two surveys, change-detection flags; and households per khu phố summed per ward with small counts withheld
ACROSS wards — no hidden cell can be worked out from every table a leader can request, taken together."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.db import connection
from django.test import Client

from households.models import Household, HouseNumber, Street
from imagery.detection.models import ChangeFlag
from tests.factories import AdminUnitFactory, BusinessFactory, square
from tests.imagery.detection.samples import detection
from tests.layers.world import forest_plot, survey, waste_field, waste_point

STATS = "/api/v1/households/stats"
DATA = "/leader/dashboard/data"


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sql(query: str, *args) -> dict[int, tuple]:
    with connection.cursor() as cur:
        cur.execute(query, args)
        return {r[0]: r[1:] for r in cur.fetchall()}


def shown(data: dict) -> dict[int, dict]:
    return {w["id"]: {k: v["count"] for k, v in w["values"].items()} for w in data["wards"]}


def test_new_businesses_house_numbers_waste_forest_and_flags_are_the_tables_counts(world):
    today = dt.date.today()
    a, b = world.ward_a, world.ward_b
    # -2: a date in the future is not "new"
    for days, ward in [(0, a), (3, a), (29, a), (30, b), (10, b), (31, a), (400, b), (-2, b)]:
        BusinessFactory(ward=ward, registered_on=today - dt.timedelta(days=days), geom=Point(106.7, 10.78, srid=4326))
    BusinessFactory(ward=a, registered_on=today, is_deleted=True)
    street = Street.objects.create(
        name="Đường Số Nhà", ward=a, geom=MultiLineString(LineString((106.69, 10.78), (106.70, 10.78)), srid=4326)
    )
    for n in range(1, 8):
        HouseNumber.objects.create(
            ward=a, street=street, main=n, number=str(n), sort_key=f"{n:05d}", address=f"{n} Đường Số Nhà",
            geom=Point(106.69 + n * 1e-4, 10.7801, srid=4326), status="retired" if n > 5 else "active",
        )  # fmt: skip
    waste_field(world, n=40)
    waste_point(b, world.kp_b1, 106.73, 10.78, kind="dump_hotspot", condition="worn")
    p1, p2, p3 = (forest_plot(a, f"CG-{i}", 106.70 + i * 0.002, 10.78) for i in range(3))
    survey(p1, dt.date(2024, 1, 1), condition="healthy", carbon_t_ha=100)
    survey(p1, dt.date(2025, 1, 1), condition="stressed", carbon_t_ha=90)
    survey(p1, dt.date(2023, 1, 1), condition="lost", carbon_t_ha=10)  # older than the last two: not counted
    survey(p2, dt.date(2024, 6, 1), condition="degraded", carbon_t_ha=80)
    survey(p2, dt.date(2025, 6, 1), condition="healthy", carbon_t_ha=95)
    survey(p3, dt.date(2025, 6, 1), condition="lost")  # one survey: no change
    flag = ChangeFlag.objects.get(pk=detection(world)["flag"])
    for status, ward in [("to_review", a), ("confirmed", a), ("confirmed", b), ("dismissed", b)]:
        flag.pk, flag.id, flag.status, flag.ward = None, None, status, ward
        flag.save()

    data = client_as(world.users["district_leader"]).get(DATA).json()
    got = shown(data)
    since = today - dt.timedelta(days=30)
    expected: dict[int, dict[str, int]] = {a.pk: {}, b.pk: {}}
    q = """SELECT ward_id, count(*) FROM businesses_business
            WHERE NOT is_deleted AND registered_on BETWEEN %s AND %s GROUP BY 1"""
    for ward, (n,) in sql(q, since + dt.timedelta(days=1), today).items():
        expected[ward]["new_businesses"] = n
    q = "SELECT ward_id, count(*) FROM households_housenumber WHERE status = 'active' GROUP BY 1"
    for ward, (n,) in sql(q).items():
        expected[ward]["house_numbers"] = n
    for kind in ("bin", "toilet", "transfer_station", "dump_hotspot"):
        q = "SELECT ward_id, count(*) FROM layers_wastepoint WHERE NOT is_deleted AND kind = %s GROUP BY 1"
        for ward, (n,) in sql(q, kind).items():
            expected[ward][f"waste_{kind}"] = n
    for condition, key in [("worn", "waste_worn"), ("damaged", "damaged"), ("overflowing", "overflowing")]:
        q = "SELECT ward_id, count(*) FROM layers_wastepoint WHERE NOT is_deleted AND condition = %s GROUP BY 1"
        for ward, (n,) in sql(q, condition).items():
            expected[ward][key] = n
    for status, key in [("to_review", "flags_pending"), ("confirmed", "flags_confirmed")]:
        q = "SELECT ward_id, count(*) FROM detection_changeflag WHERE status = %s GROUP BY 1"
        for ward, (n,) in sql(q, status).items():
            expected[ward][key] = n
    # Forest, by hand from the surveys above: p1 worsened (healthy → stressed), p2 improved, p3 has one survey.
    area = {p.pk: p.area_ha for p in (p1, p2)}
    expected[a.pk]["forest_worsened"] = 1
    expected[a.pk]["forest_carbon_t"] = round((90 - 100) * area[p1.pk] + (95 - 80) * area[p2.pk])

    for ward in (a, b):
        for key, n in expected[ward.pk].items():
            assert got[ward.pk][key] == n, (ward.name, key)
    for key in ("new_businesses", "waste_dump_hotspot", "flags_confirmed"):
        assert data["district"][key]["count"] == sum(got[w][key] for w in got), key
    assert expected[a.pk]["new_businesses"] == 3 and expected[b.pk]["new_businesses"] == 1
    assert got[a.pk]["house_numbers"] == 5 and got[a.pk]["flags_pending"] >= 1
    assert got[b.pk]["flags_confirmed"] == 1 and got[b.pk]["waste_worn"] >= 1


# --- households: small counts withheld across wards ---


def three_wards(world) -> dict:
    """Wards A (2 khu phố), B (3), C (3), each khu phố with a house number its households live at."""
    kp = dict(level="khu_pho", kind="khu_pho")
    c = AdminUnitFactory(name="Phường Cát Lái", parent=world.city, boundary=square(106.76, 10.78, 0.01))
    kps = {
        world.ward_a: [world.kp_a1, world.kp_a2],
        world.ward_b: [world.kp_b1]
        + [
            AdminUnitFactory(**kp, name=f"Khu phố B{i}", parent=world.ward_b, boundary=square(106.73, 10.78, 0.001))
            for i in (2, 3)
        ],
        c: [
            AdminUnitFactory(**kp, name=f"Khu phố C{i}", parent=c, boundary=square(106.76, 10.78, 0.001))
            for i in (1, 2, 3)
        ],
    }
    houses = {}
    for ward, units in kps.items():
        lon = ward.boundary.centroid.x
        street = Street.objects.create(
            name=f"Đường {ward.name}", ward=ward,
            geom=MultiLineString(LineString((lon - 0.005, 10.78), (lon + 0.005, 10.78)), srid=4326),
        )  # fmt: skip
        for unit in units:
            houses[unit.pk] = HouseNumber.objects.create(
                ward=ward, khu_pho=unit, street=street, main=unit.pk, number=str(unit.pk),
                sort_key=f"{unit.pk:05d}", address=f"{unit.pk} {street.name}", geom=Point(lon, 10.7801, srid=4326),
            )  # fmt: skip
    return {"kps": kps, "houses": houses, "wards": list(kps)}


def fill(place: dict, poor: dict[int, int]) -> None:
    Household.objects.all().delete()
    for kp_pk, n in poor.items():
        house = place["houses"][kp_pk]
        for i in range(n + 2):  # two households more that are not poor
            Household.objects.create(
                house_number=house, ward_id=house.ward_id, khu_pho_id=kp_pk, head_name="Chủ Hộ",
                code=f"H-{kp_pk}-{i}", poor=i < n,
            )  # fmt: skip


def determined(equations: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether `target`·x is fixed by the published equations (target in their row space)."""
    if not equations:
        return False
    a = np.array(equations, dtype=float)
    return np.linalg.matrix_rank(np.vstack([a, target])) == np.linalg.matrix_rank(a)


def test_no_table_nor_set_of_tables_a_leader_may_request_gives_back_a_withheld_count(world, settings):
    k = settings.HOUSEHOLD_STATS_MIN_COUNT = 5
    place = three_wards(world)
    cells = [(w.pk, u.pk) for w, units in place["kps"].items() for u in units]
    index = {c: i for i, c in enumerate(cells)}
    ward_vector = {w.pk: np.array([c[0] == w.pk for c in cells], dtype=float) for w in place["wards"]}
    leader = client_as(world.users["district_leader"])
    admin = client_as(world.users["admin"])
    rng = random.Random(12)
    withheld_seen = 0
    for _ in range(6):
        poor = {kp: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12]) for _, kp in cells}
        fill(place, poor)
        truth = np.array([poor[kp] for _, kp in cells], dtype=float)
        # Every table a leader can ask for, as (the cells it sums, the value shown or None).
        published: list[tuple[np.ndarray, int | None]] = []

        def table(params: dict, group: str, published: list = published) -> None:
            body = leader.get(STATS, {"group_by": group, **params}).json()
            for row in body["rows"]:
                vec = np.zeros(len(cells))
                if group == "khu_pho":
                    vec[index[(row["ward_id"], row["khu_pho_id"])]] = 1
                else:
                    vec = ward_vector[row["ward_id"]]
                published.append((vec, row["poor"]))
            wards = {r["ward_id"] for r in body["rows"]}
            published.append((sum(ward_vector[w] for w in wards), body["totals"].get("poor")))

        for group in ("khu_pho", "ward"):
            table({}, group)
            for w in place["wards"]:
                table({"ward": w.pk}, group)
        for params in [{}, *({"ward": w.pk} for w in place["wards"])]:
            body = leader.get(DATA, params).json()
            for row in body["wards"]:
                if row["id"] in ward_vector:
                    published.append((ward_vector[row["id"]], row["values"]["hh_poor"]["count"]))
            if {r["id"] for r in body["wards"]} <= set(ward_vector):
                published.append(
                    (sum(ward_vector[r["id"]] for r in body["wards"]), body["district"]["hh_poor"]["count"])
                )
        # What is shown is true, and no small count is shown.
        for vec, value in published:
            if value is not None:
                assert value == vec @ truth
                assert not 0 < value < k, value
        # What is withheld cannot be worked out from all that is shown, taken together.
        equations = [vec for vec, value in published if value is not None]
        for vec, value in published:
            if value is None:
                withheld_seen += 1
                assert not determined(equations, vec), (poor, vec)
        # The same cell is hidden in every table that shows it.
        by_cells: dict[tuple, set] = {}
        for vec, value in published:
            by_cells.setdefault(tuple(vec), set()).add(value is None)
        assert all(len(v) == 1 for v in by_cells.values())
        # Households (not sensitive) are shown, and an administrator sees every count.
        full = {r["id"]: r["values"] for r in admin.get(DATA).json()["wards"]}
        for w in place["wards"]:
            assert full[w.pk]["hh_poor"]["count"] == ward_vector[w.pk] @ truth
            assert full[w.pk]["hh_households"]["count"] == ward_vector[w.pk] @ truth + 2 * len(place["kps"][w])
    assert withheld_seen > 10  # the draws did withhold counts


@pytest.mark.parametrize("k", [2, 5])
def test_withheld_counts_read_as_withheld_in_the_table_and_its_exports(world, settings, k):
    settings.HOUSEHOLD_STATS_MIN_COUNT = k
    place = three_wards(world)
    c1 = place["kps"][place["wards"][2]][0]
    # One poor family in ward A: withheld, and so is another ward's count (the total of every ward is shown).
    fill(place, {world.kp_a1.pk: 1, world.kp_b1.pk: 6, c1.pk: 7})
    leader = client_as(world.users["district_leader"])
    data = leader.get(DATA).json()
    a = next(w for w in data["wards"] if w["id"] == world.ward_a.pk)
    assert a["values"]["hh_poor"] == {"count": None, "of": None, "hidden": True}
    assert data["district"]["hh_poor"] == {"count": 14, "of": None, "hidden": False}
    assert sum(w["values"]["hh_poor"]["hidden"] for w in data["wards"]) == 2
    alone = leader.get(DATA, {"ward": world.ward_a.pk}).json()
    assert alone["district"]["hh_poor"]["hidden"] and alone["wards"][0]["values"]["hh_poor"]["hidden"]
    rows = leader.get("/leader/dashboard/export.csv").content.decode("utf-8-sig").splitlines()
    column = rows[0].split(",").index(next(c["label"] for c in data["columns"] if c["key"] == "hh_poor"))
    assert all(r.split(",")[column] == "" for r in rows[1:] if r.startswith(world.ward_a.name))
