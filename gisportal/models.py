"""Who a user is in the portal: a role and the wards (or khu phố) it applies to."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    CITIZEN = "citizen", "Người dân / Citizen"
    KHU_PHO_OFFICER = "khu_pho_officer", "Cán bộ khu phố / Khu phố officer"
    WARD_OFFICER = "ward_officer", "Cán bộ phường / Ward officer"
    LAND_OFFICER = "land_officer", "Cán bộ địa chính / Land officer"
    DISTRICT_LEADER = "district_leader", "Lãnh đạo / District leader"
    ADMIN = "admin", "Quản trị / Administrator"


class Profile(models.Model):
    """A user's role; ward-bound roles list the wards (or the khu phố) they serve."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CITIZEN)
    wards = models.ManyToManyField("layers.AdminUnit", blank=True, related_name="+")
    khu_pho = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


# Personal API tokens live beside their authentication class, the audit log beside its writers; imported here so
# Django registers the models.
from gisportal.audit import AuditEntry  # noqa: E402, F401
from gisportal.tokens import ApiToken  # noqa: E402, F401
