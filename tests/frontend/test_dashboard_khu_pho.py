"""The dashboard per khu phố over HTTP: each khu phố's figures against SQL written here (grouped by khu phố, not
read from the apps), the district still the wards' total, small household counts withheld as every household
table withholds them (no withheld count recoverable from all the tables together, the khu phố dashboard included),
levels that classify khu phố, and the export of the table as shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import numpy as np
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.db import connection
from django.test import Client

from households.models import HouseNumber, Street
from tests.factories import BusinessFactory
from tests.frontend.test_dashboard_figures import determined, fill, three_wards
from tests.layers.world import forest_plot, survey, waste_point

DATA = "/leader/dashboard/data"
STATS = "/api/v1/households/stats"
GREEN_RED = [
    {"key": "green", "label": "Xanh", "label_en": "Green", "colour": "#2ca25f", "min": 0, "max": 2},
    {"key": "red", "label": "Đỏ", "label_en": "Red", "colour": "#e31a1c", "min": 2, "max": None},
]


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def by_khu_pho(query: str, *args) -> dict[int, tuple]:
    with connection.cursor() as cur:
        cur.execute(query, args)
        return {r[0]: r[1:] for r in cur.fetchall() if r[0] is not None}


def khu_pho_world(world) -> None:
    a, b = world.ward_a, world.ward_b
    today = dt.date.today()
    rng = random.Random(21)
    places = [(a, world.kp_a1, 106.695), (a, world.kp_a2, 106.705), (b, world.kp_b1, 106.73), (a, None, 106.70)]
    for i in range(30):
        ward, kp, lon = places[i % 4]
        BusinessFactory(
            ward=ward, khu_pho=kp, status=rng.choice(["active", "active", "suspended", "terminated"]),
            registered_on=today - dt.timedelta(days=rng.choice([1, 5, 40, 400])),
            is_deleted=i % 11 == 0, geom=Point(lon, 10.78 + i * 1e-5, srid=4326),
        )  # fmt: skip
    for i in range(24):
        ward, kp, lon = places[i % 4]
        waste_point(
            ward, kp, lon, 10.781, kind=rng.choice(["bin", "toilet", "dump_hotspot"]), name=f"Điểm {i}",
            condition=rng.choice(["good", "worn", "damaged", "overflowing"]), is_deleted=i % 9 == 0,
        )  # fmt: skip
    street = Street.objects.create(
        name="Đường Khu Phố", ward=a, geom=MultiLineString(LineString((106.69, 10.78), (106.71, 10.78)), srid=4326)
    )
    for n in range(1, 10):
        HouseNumber.objects.create(
            ward=a, khu_pho=[world.kp_a1, world.kp_a2, None][n % 3], street=street, main=n, number=str(n),
            sort_key=f"{n:05d}", address=f"{n} Đường Khu Phố", geom=Point(106.69 + n * 1e-3, 10.7801, srid=4326),
            status="retired" if n == 7 else "active",
        )  # fmt: skip
    plot = forest_plot(a, "CG-KP", 106.695, 10.78, khu_pho=world.kp_a1)
    survey(plot, dt.date(2024, 1, 1), condition="healthy", carbon_t_ha=100)
    survey(plot, dt.date(2025, 1, 1), condition="degraded", carbon_t_ha=70)


def expected_per_khu_pho() -> dict[int, dict[str, int]]:
    """The figures per khu phố, counted straight from the tables."""
    today = dt.date.today()
    out: dict[int, dict[str, int]] = {}

    def put(rows: dict[int, tuple], *keys: str) -> None:
        for kp, values in rows.items():
            out.setdefault(kp, {}).update(zip(keys, values, strict=True))

    put(
        by_khu_pho(
            """SELECT khu_pho_id, count(*) FILTER (WHERE status = 'active'),
                      count(*) FILTER (WHERE status = 'suspended'),
                      count(*) FILTER (WHERE registered_on > %s AND registered_on <= %s)
                 FROM businesses_business WHERE NOT is_deleted GROUP BY 1""",
            today - dt.timedelta(days=30),
            today,
        ),
        "active", "suspended", "new_businesses",
    )  # fmt: skip
    for kind in ("bin", "toilet", "dump_hotspot"):
        q = "SELECT khu_pho_id, count(*) FROM layers_wastepoint WHERE NOT is_deleted AND kind = %s GROUP BY 1"
        put(by_khu_pho(q, kind), f"waste_{kind}")
    for condition, key in [("worn", "waste_worn"), ("damaged", "damaged"), ("overflowing", "overflowing")]:
        q = "SELECT khu_pho_id, count(*) FROM layers_wastepoint WHERE NOT is_deleted AND condition = %s GROUP BY 1"
        put(by_khu_pho(q, condition), key)
    put(by_khu_pho("SELECT khu_pho_id, count(*) FROM households_housenumber WHERE status = 'active' GROUP BY 1"),
        "house_numbers")  # fmt: skip
    return out


def test_the_figures_per_khu_pho_are_the_tables_counts(world):
    khu_pho_world(world)
    leader = client_as(world.users["district_leader"])
    data = leader.get(DATA, {"area": "khu_pho"}).json()

    assert data["area_level"] == "khu_pho"
    assert data["tiles"] == {"layer": "admin_khu_pho", "url": "/tiles/admin_khu_pho/{z}/{x}/{y}.mvt", "minzoom": 11}
    rows = {r["id"]: r for r in data["wards"]}
    assert set(rows) == {world.kp_a1.pk, world.kp_a2.pk, world.kp_b1.pk}
    assert rows[world.kp_a2.pk]["ward"] == world.ward_a.pk and rows[world.kp_a2.pk]["ward_name"] == world.ward_a.name
    keys = [c["key"] for c in data["columns"]]
    # A ward-wide report and flags that carry no khu phố are not khu phố figures.
    assert "house_problems" not in keys and "flags_pending" not in keys and "active" in keys

    expected = expected_per_khu_pho()
    checked = 0
    for kp, row in rows.items():
        for key, value in row["values"].items():
            if key in ("forest_worsened", "forest_carbon_t") or key.startswith(("reports_", "hh_")):
                continue
            assert value["count"] == expected.get(kp, {}).get(key, 0), (kp, key)
            checked += 1
    assert checked >= 30
    b1 = expected[world.kp_b1.pk]
    assert expected[world.kp_a1.pk]["active"] > 0 and sum(b1.get(f"waste_{k}", 0) for k in ("bin", "toilet")) > 0
    # Forest change of the one plot in khu phố 1, by hand: worsened, and 30 t/ha less over its area.
    plot_ha = by_khu_pho("SELECT khu_pho_id, area_ha FROM layers_forestplot")[world.kp_a1.pk][0]
    assert rows[world.kp_a1.pk]["values"]["forest_worsened"]["count"] == 1
    assert rows[world.kp_a1.pk]["values"]["forest_carbon_t"]["count"] == round(-30 * plot_ha)
    assert rows[world.kp_a2.pk]["values"]["forest_worsened"]["count"] == 0
    # The district is the wards' total in either view (rows placed in no khu phố included).
    wards = leader.get(DATA).json()
    assert data["district"] == {k: v for k, v in wards["district"].items() if k in keys}
    assert data["district"]["active"]["count"] > sum(r["values"]["active"]["count"] for r in rows.values())
    # One ward: its khu phố only.
    one = leader.get(DATA, {"area": "khu_pho", "ward": world.ward_b.pk}).json()
    assert [r["id"] for r in one["wards"]] == [world.kp_b1.pk]
    refused = leader.get(DATA, {"area": "city"})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_input"


def test_households_per_khu_pho_are_withheld_as_every_household_table_withholds_them(world, settings):
    k = settings.HOUSEHOLD_STATS_MIN_COUNT = 5
    place = three_wards(world)
    cells = [(w.pk, u.pk) for w, units in place["kps"].items() for u in units]
    index = {c: i for i, c in enumerate(cells)}
    leader = client_as(world.users["district_leader"])
    rng = random.Random(5)
    withheld = 0
    for _ in range(5):
        poor = {kp: rng.choice([0, 1, 2, 3, 5, 6, 9]) for _, kp in cells}
        fill(place, poor)
        truth = np.array([poor[kp] for _, kp in cells], dtype=float)
        published: list[tuple[np.ndarray, int | None]] = []
        stats = leader.get(STATS, {"group_by": "khu_pho"}).json()
        hidden_in_stats = {r["khu_pho_id"] for r in stats["rows"] if r["poor"] is None}
        for row in stats["rows"]:
            vec = np.zeros(len(cells))
            vec[index[(row["ward_id"], row["khu_pho_id"])]] = 1
            published.append((vec, row["poor"]))
        for params in [{}, *({"ward": w.pk} for w in place["wards"])]:
            for area in ("ward", "khu_pho"):
                body = leader.get(DATA, {**params, "area": area}).json()
                for row in body["wards"]:
                    vec = np.zeros(len(cells))
                    for c in cells:
                        if (c[0] if area == "ward" else c[1]) == row["id"]:
                            vec[index[c]] = 1
                    published.append((vec, row["values"]["hh_poor"]["count"]))
                    if area == "khu_pho":  # the same cells as the household table's
                        assert (row["values"]["hh_poor"]["count"] is None) == (row["id"] in hidden_in_stats)
        for vec, value in published:
            if value is not None:
                assert value == vec @ truth and not 0 < value < k, value
        equations = [vec for vec, value in published if value is not None]
        for vec, value in published:
            if value is None:
                withheld += 1
                assert not determined(equations, vec), (poor, vec)
    assert withheld > 5


def test_levels_classify_khu_pho_and_the_export_names_them(world):
    khu_pho_world(world)
    leader = client_as(world.users["district_leader"])
    scheme = {"name": "Hộ kinh doanh theo khu phố", "area_level": "khu_pho", "indicator": "active", "levels": GREEN_RED}
    created = leader.post("/leader/levels/", scheme, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["area_level"] == "khu_pho"
    refused = leader.post("/leader/levels/", {**scheme, "indicator": "house_problems"}, content_type="application/json")
    assert refused.status_code == 400 and "house_problems" not in refused.json()["details"]["indicator"]

    data = leader.get(DATA, {"area": "khu_pho"}).json()
    [shown] = data["levels"]["schemes"]
    active = {r["id"]: r["values"]["active"]["count"] for r in data["wards"]}
    for kp, n in active.items():
        assert shown["wards"][str(kp)]["level"] == ("red" if n >= 2 else "green"), (kp, n)
    assert leader.get(DATA).json()["levels"]["schemes"] == []  # a khu phố scheme is not a ward's

    response = leader.get("/leader/dashboard/export.csv", {"area": "khu_pho", "sort": "name"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Phường", "Khu phố"] and rows[0][-1].endswith(scheme["name"])
    named = {(r[0], r[1]) for r in rows[1:-1]}
    assert (world.ward_a.name, world.kp_a1.name) in named and (world.ward_b.name, world.kp_b1.name) in named
    assert len(rows) == 2 + len(active)


def test_citizen_reports_per_khu_pho_are_the_tables_counts(world):
    from django.utils import timezone

    from layers.reports.models import Report
    from tests.layers.reports.samples import A1, B1, citizen, file

    a2 = {"lat": 10.781, "lon": 106.705}
    filed = []
    for i, (where, kind) in enumerate(
        [(A1, "flooding"), (A1, "fallen_tree"), (a2, "other"), (a2, "illegal_dumping"), (B1, "flooding")]
    ):
        response = file(citizen(f"10.9.0.{i + 1}"), kind=kind, where=where)
        assert response.status_code == 201, response.content
        filed.append(response.json()["code"])
    now = timezone.now()
    Report.objects.filter(code=filed[0]).update(due_at=now - dt.timedelta(hours=2))  # overdue
    Report.objects.filter(code=filed[2]).update(status="closed", resolved_at=now)  # closed on time
    expected = by_khu_pho(
        """SELECT khu_pho_id, count(*) FILTER (WHERE status IN ('new', 'triaged', 'assigned')),
                  count(*) FILTER (WHERE status IN ('new', 'triaged', 'assigned') AND due_at < now()),
                  count(*) FILTER (WHERE status IN ('resolved', 'closed') AND resolved_at <= due_at)
             FROM layers_report GROUP BY 1"""
    )
    assert expected[world.kp_a1.pk] == (2, 1, 0) and expected[world.kp_a2.pk] == (1, 0, 1)  # routed by khu phố
    data = client_as(world.users["district_leader"]).get(DATA, {"area": "khu_pho"}).json()
    for row in data["wards"]:
        v = row["values"]
        got = (v["reports_open"]["count"], v["reports_overdue"]["count"], v["reports_closed_on_time"]["count"])
        assert got == expected.get(row["id"], (0, 0, 0)), row["name"]
