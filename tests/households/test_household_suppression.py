"""Small-count suppression across wards (issue 17): no table, nor pair of tables, a leader may request gives
back a hidden cell. Two wards each hiding one khu phố: each ward's total minus its shown cells must not do it."""

from __future__ import annotations

from households.models import Household
from tests.factories import AdminUnitFactory, square
from tests.gisportal.test_role_matrix import client_for
from tests.households.house_world import make_streets, ndc_houses
from tests.households.test_geocode import file_houses
from tests.households.test_household_privacy import household

STATS = "/api/v1/households/stats"


def test_no_pair_of_leader_tables_reveals_a_hidden_cell(world, settings):
    settings.HOUSEHOLD_STATS_MIN_COUNT = 2
    kp_b2 = AdminUnitFactory(level="khu_pho", kind="khu_pho", name="Khu phố B2", parent=world.ward_b,
                             boundary=square(106.735, 10.78, 0.002))  # fmt: skip
    streets = make_streets(world)
    a = file_houses(world, streets["ndc_a"], ndc_houses(1, 2))
    b = file_houses(world, streets["ndc_b"], ndc_houses(1, 2, lon0=106.7225))
    # Poor households per khu phố: A1 3, A2 1 (ward A 4); B1 3, B2 1 (ward B 4).
    for kp, house, n in [
        (world.kp_a1, a["1"], 3),
        (world.kp_a2, a["1"], 1),
        (world.kp_b1, b["1"], 3),
        (kp_b2, b["1"], 1),
    ]:
        for _ in range(n):
            household(world, house, kp, f"N{Household.objects.count()}", poor=True)
    leader = client_for(world, "district_leader")
    by_kp = {r["khu_pho_id"]: r["poor"] for r in leader.get(STATS).json()["rows"]}
    by_ward = {r["ward_id"]: r["poor"] for r in leader.get(STATS, {"group_by": "ward"}).json()["rows"]}
    assert by_kp[world.kp_a2.pk] is None and by_kp[kp_b2.pk] is None
    for ward, kps in [(world.ward_a, [world.kp_a1, world.kp_a2]), (world.ward_b, [world.kp_b1, kp_b2])]:
        cells = [by_kp[kp.pk] for kp in kps]
        if by_ward[ward.pk] is not None:
            # Ward total minus the shown cells: it must cover at least two hidden cells, never one.
            assert cells.count(None) != 1, (ward.name, cells, by_ward[ward.pk])
        # The ward alone (?ward=) hides the same cells as the table of every ward.
        alone = {r["khu_pho_id"]: r["poor"] for r in leader.get(STATS, {"ward": ward.pk}).json()["rows"]}
        assert [alone[kp.pk] for kp in kps] == cells
