"""Administrative units and public facilities: the frame every other layer sits in."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from simple_history.models import HistoricalRecords

from layers.text import fold


class AdminUnitQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date | None = None) -> AdminUnitQuerySet:
        """Units in force on `day` (today by default)."""
        day = day or dt.date.today()
        return self.filter(Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day)))

    def wards(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.WARD)


class AdminUnit(models.Model):
    """A city, a (legacy) district, a ward or commune, or a khu phố, valid for a period.

    HCMC's 2025 reform replaced 273 wards and 22 districts by 168 units: a merged-away
    unit keeps its rows with `valid_to` set and `successor` pointing at today's unit, so
    an old address still finds its ward.
    """

    class Level(models.TextChoices):
        CITY = "city", "Thành phố / City"
        DISTRICT = "district", "Quận, huyện / District"
        WARD = "ward", "Phường, xã / Ward or commune"
        KHU_PHO = "khu_pho", "Khu phố, ấp / Neighbourhood"

    class Kind(models.TextChoices):
        THANH_PHO = "thanh_pho", "Thành phố"
        QUAN = "quan", "Quận"
        HUYEN = "huyen", "Huyện"
        PHUONG = "phuong", "Phường"
        XA = "xa", "Xã"
        DAC_KHU = "dac_khu", "Đặc khu"
        KHU_PHO = "khu_pho", "Khu phố"
        AP = "ap", "Ấp"

    level = models.CharField(max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=20, help_text="GSO code, or a local code for khu phố")
    name = models.CharField(max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    # The contact of the unit's head (trưởng khu phố, chủ tịch phường): officers only.
    head_name = models.CharField(max_length=120, blank=True)
    head_phone = models.CharField(max_length=20, blank=True)
    boundary = models.MultiPolygonField(srid=4326)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = AdminUnitQuerySet.as_manager()
    private_fields = ("head_name", "head_phone")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "code", "valid_from"], name="adminunit_level_code_from"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="adminunit_valid_period",
            ),
        ]
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    def scope(self) -> tuple[int | None, int | None]:
        """(ward, khu phố) whose officers may see this unit's private fields."""
        if self.level == self.Level.WARD:
            return self.pk, None
        if self.level == self.Level.KHU_PHO:
            return self.parent_id, self.pk
        return None, None


class POI(models.Model):
    """A public facility: office, school, clinic, market, police post."""

    class Kind(models.TextChoices):
        OFFICE = "office", "Cơ quan nhà nước / Government office"
        SCHOOL = "school", "Trường học / School"
        HEALTH = "health", "Cơ sở y tế / Health facility"
        MARKET = "market", "Chợ / Market"
        POLICE = "police", "Công an / Police"

    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="The facility's public line")
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="pois")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.PointField(srid=4326)
    # Radius scans measure in metres: a stored UTM 48N copy keeps its index usable.
    geom_m = models.GeneratedField(
        expression=Transform("geom", 32648),
        output_field=models.PointField(srid=32648, spatial_index=False),
        db_persist=True,
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()
    private_fields: tuple[str, ...] = ()

    class Meta:
        indexes = [GistIndex(fields=["geom_m"], name="poi_geom_m_gist")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id
