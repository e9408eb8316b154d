"""One demo account per role, bound to the demo ward (or its first khu phố); roles reach wards, so it lives here."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from gisportal.demo import DemoContext
from gisportal.models import Profile, Role
from layers.models import AdminUnit

DEMO_USERS = [
    ("khupho", Role.KHU_PHO_OFFICER),
    ("canbo", Role.WARD_OFFICER),
    ("diachinh", Role.LAND_OFFICER),
    ("lanhdao", Role.DISTRICT_LEADER),
    ("quantri", Role.ADMIN),
]


def seed_users(ctx: DemoContext) -> None:
    User = get_user_model()
    ward: AdminUnit = ctx.data["ward"]
    first_kp = AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code").first()
    for username, role in DEMO_USERS:
        user, _created = User.objects.get_or_create(username=username)
        # The password follows the run command's (var/demo-password), even for existing users.
        user.set_password(ctx.password)
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.role = role
        profile.khu_pho = first_kp if role == Role.KHU_PHO_OFFICER else None
        profile.save()
        if role in (Role.WARD_OFFICER, Role.LAND_OFFICER):
            profile.wards.set([ward])
    ctx.log(f"  users: {', '.join(name for name, _ in DEMO_USERS)}")
