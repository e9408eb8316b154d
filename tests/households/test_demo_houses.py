"""The demo's house numbers and households: clean by the portal's own report, deterministic, idempotent."""

from __future__ import annotations

from django.db import connection

from gisportal.demo import STEPS as DEMO_STEPS
from gisportal.demo import DemoContext, run
from households import reports
from households.addresses.geocode import geocode_many
from households.models import Household, HouseholdMove, HouseNumber
from layers import demo as layers_demo
from layers.models import AdminUnit

# The demo up to its households: the wards, streets and house numbers they stand on.
STEPS = DEMO_STEPS[: DEMO_STEPS.index("households.demo.seed_households") + 1]


def quiet(seed: int = 2025) -> DemoContext:
    return DemoContext(seed=seed, log=lambda _msg: None)


def snapshot() -> list:
    with connection.cursor() as cur:
        cur.execute("""
            SELECT s.name, h.number, ST_AsText(ST_SnapToGrid(h.geom, 1e-7)), h.address FROM households_housenumber h
              JOIN households_street s ON s.id = h.street_id ORDER BY 1, 2""")
        houses = cur.fetchall()
        cur.execute("""SELECT h.number, d.head_name, d.members::text, d.poor, d.status FROM households_household d
                        JOIN households_housenumber h ON h.id = d.house_number_id ORDER BY 1, 2, 3""")
        return houses + cur.fetchall()


def test_demo_ward_house_numbers_pass_their_own_report(db):
    run(quiet(), STEPS)
    ward = AdminUnit.objects.get(code=layers_demo.WARD_CODE, level="ward", valid_to__isnull=True)
    houses = HouseNumber.objects.filter(ward=ward)
    assert 8_000 < houses.count() < 12_000
    assert houses.filter(alleys__len=1).exists() and houses.filter(alleys__len=2).exists()  # 123/4, 123/4/5
    assert houses.exclude(main_suffix="").exists()  # 12A
    assert houses.filter(khu_pho__isnull=True).count() < houses.count() / 20
    report = reports.ward_report(ward.pk)
    counts = {k: v["count"] for k, v in report.items() if isinstance(v, dict)}
    assert counts == dict.fromkeys(
        ("duplicates", "unparseable", "outside_ward", "far_from_street", "out_of_sequence"), 0
    ), report
    households = Household.objects.filter(ward=ward)
    assert households.count() > houses.count()  # more households than houses
    assert households.filter(poor=True).exists() and households.filter(military_age_youth__gt=0).exists()
    assert HouseholdMove.objects.filter(household__ward=ward, kind="out").exists()
    # The legacy address of a demo house (pre-merger ward, old district) finds it.
    h = houses.filter(alleys__len=2).order_by("id").first()
    with connection.cursor() as cur:
        cur.execute(
            """SELECT o.name FROM layers_adminunit o JOIN households_housenumber h ON ST_Covers(o.boundary, h.geom)
                WHERE o.successor_id = %s AND h.id = %s""",
            [ward.pk, h.pk],
        )
        old_ward = cur.fetchone()[0]
    [match] = geocode_many([f"{h.number} {h.street.name}, {old_ward}, Quận 3"])
    assert (match.level, match.house_number_id) == ("house", h.pk)


def test_same_seed_same_houses_and_rerun_adds_nothing(db):
    run(quiet(), STEPS)
    first = snapshot()
    run(quiet(), STEPS)
    assert snapshot() == first
    with connection.cursor() as cur:
        cur.execute("DELETE FROM households_housenumber")  # households go with them (database cascade)
    assert not Household.objects.exists()
    run(quiet(), STEPS)
    assert snapshot() == first
