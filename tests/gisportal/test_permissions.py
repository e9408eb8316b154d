"""The permissions module's decisions, role by role, on objects of two wards."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from gisportal.permissions import Domain, can_edit, can_see_private, role_of, scope_private
from layers.models import AdminUnit


def test_roles(world):
    assert role_of(AnonymousUser()).value == "citizen"
    assert role_of(world.users["admin"]).value == "admin"
    assert role_of(world.users["ward_officer"]).value == "ward_officer"


def test_ward_officer_edits_only_own_ward(world):
    officer = world.users["ward_officer"]
    assert can_edit(officer, world.ward_a.pk)
    assert not can_edit(officer, world.ward_b.pk)
    assert not can_edit(officer, world.ward_a.pk, domain=Domain.LAND)
    assert not can_edit(officer, None)


def test_khu_pho_officer_reads_own_khu_pho_and_edits_nothing(world):
    kp = world.users["khu_pho_officer"]
    assert can_see_private(kp, world.kp_a1)
    assert not can_see_private(kp, world.kp_a2)
    assert not can_see_private(kp, world.ward_a)
    assert not can_edit(kp, world.ward_a.pk, world.kp_a1.pk)


def test_leader_reads_all_features_but_no_households_and_edits_nothing(world):
    leader = world.users["district_leader"]
    assert can_see_private(leader, world.kp_b1)
    assert not can_edit(leader, world.ward_a.pk)
    hh = scope_private(AdminUnit.objects.all(), leader, Domain.HOUSEHOLDS)
    assert hh.count() == 0


def test_land_officer_scope_is_land_of_assigned_wards(world):
    land = world.users["land_officer"]
    assert can_edit(land, world.ward_a.pk, domain=Domain.LAND)
    assert not can_edit(land, world.ward_b.pk, domain=Domain.LAND)
    assert not can_edit(land, world.ward_a.pk)
    assert not can_see_private(land, world.ward_a)


def test_scope_private_filters_by_ward(world):
    officer = world.users["ward_officer"]
    qs = scope_private(AdminUnit.objects.filter(level="khu_pho"), officer, Domain.FEATURES, ward_field="parent")
    assert set(qs) == {world.kp_a1, world.kp_a2}
    assert scope_private(AdminUnit.objects.all(), AnonymousUser(), Domain.FEATURES).count() == 0


def test_admin_edits_everything(world):
    admin = world.users["admin"]
    assert can_edit(admin, world.ward_b.pk, domain=Domain.LAND)
    assert can_see_private(admin, world.kp_b1, Domain.HOUSEHOLDS)
