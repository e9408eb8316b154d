"""The leaders' own records: the levels they classify areas by, each ward's current level, the log of changes, and
snapshots of the figures over time. The figures themselves belong to the apps (gisportal/figures.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from layers.models import AdminUnit


class LevelScheme(models.Model):
    """Levels defined by a leader on one indicator, e.g. green / yellow / orange / red by overdue reports.

    `levels`: [{"key", "label", "label_en", "colour", "min", "max"}], sorted, each [min, max) (max null: no upper
    bound), none overlapping; validated by frontend/levels.py."""

    class Area(models.TextChoices):
        WARD = "ward", "Phường / Ward"
        KHU_PHO = "khu_pho", "Khu phố / Neighbourhood"

    name = models.CharField(max_length=120)
    # What the levels classify: wards, or khu phố (thresholds on a khu phố's counts are not a ward's).
    area_level = models.CharField(max_length=10, choices=Area.choices, default=Area.WARD)
    indicator = models.CharField(max_length=60, help_text="A figure's key (gisportal/figures.py)")
    per_1000 = models.BooleanField(default=False, help_text="Per 1,000 residents")
    levels = models.JSONField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AreaLevel(models.Model):
    """An area's current level in a scheme ("" when its value falls in no level); `ward` is the area, a ward or a
    khu phố as the scheme's `area_level` says."""

    scheme = models.ForeignKey(LevelScheme, on_delete=models.CASCADE, related_name="current")
    ward = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=40, blank=True)
    value = models.FloatField(null=True)
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "ward"], name="arealevel_scheme_ward")]

    def __str__(self) -> str:
        return f"{self.ward_id}: {self.level}"


class LevelChange(models.Model):
    """One change of an area's level (`ward`: a ward or a khu phố, as AreaLevel's): the log leaders read."""

    scheme = models.ForeignKey(LevelScheme, on_delete=models.CASCADE, related_name="changes")
    ward = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    level_from = models.CharField(max_length=40, blank=True)
    level_to = models.CharField(max_length=40, blank=True)
    value = models.FloatField(null=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.ward_id}: {self.level_from} → {self.level_to}"


class FigureSnapshot(models.Model):
    """Every ward's figures at one moment (a beat task every 6 hours, or on demand): the charts over time."""

    taken_at = models.DateTimeField(db_index=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    values = models.JSONField(help_text="{figure key: count or null}")

    class Meta:
        ordering = ["taken_at", "ward_id"]
        indexes = [models.Index(fields=["ward", "taken_at"], name="snapshot_ward_taken")]

    def __str__(self) -> str:
        return f"{self.ward_id} @ {self.taken_at:%Y-%m-%d %H:%M}"
