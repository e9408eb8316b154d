"""Streets, house numbers (số nhà), their import batches, and households (nóc gia) with their moves.

Three links are enforced by composite foreign keys written in migration 0003 rather than by Django:
a house number's (street, ward) must be a street *of that ward*, and a household's (house number, ward)
a house number of that ward. They also cascade at the database level, street → house numbers →
households → moves, without Django collecting rows: house numbers are retired and households moved
out, never deleted, in the portal's own flows; the cascade serves wiping demo and test data.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from simple_history.models import HistoricalRecords

from gisportal.model_fields import FoldedName, projected_copy
from gisportal.permissions import Domain
from households.addresses import HouseNumber as ParsedNumber
from layers.models import AdminUnit


class Street(FoldedName, models.Model):
    """A named street within one ward: 'Đường số 7' exists in many wards, so the ward is part of the key."""

    name = models.CharField(max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="streets")
    geom = models.MultiLineStringField(srid=4326)
    # The vector tiles' copy (households/map_layers.py), with its own GiST index.
    geom_3857 = projected_copy(models.MultiLineStringField, 3857)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_3857"])

    class Meta:
        indexes = [GistIndex(fields=["geom_3857"], name="street_geom_3857_gist")]
        constraints = [
            models.UniqueConstraint(fields=["ward", "name_folded"], name="street_ward_name"),
            # The target of house numbers' composite (street, ward) foreign key.
            models.UniqueConstraint(fields=["id", "ward"], name="street_id_ward"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class HouseImport(models.Model):
    """One import of house numbers from a file: the job row (status, progress) and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ / Queued"
        RUNNING = "running", "Đang chạy / Running"
        DONE = "done", "Đã nhập / Imported"
        CHECKED = "checked", "Đã kiểm tra, không ghi (thử) / Checked, nothing written (dry run)"
        REJECTED = "rejected", "Bị từ chối, không ghi / Rejected, nothing written"
        FAILED = "failed", "Lỗi / Failed"

    class Source(models.TextChoices):
        API = "api", "API"
        COMMAND = "command", "manage.py import_house_numbers"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=255)
    path = models.CharField(max_length=500, blank=True, help_text="Stored upload, removed once imported")
    ward = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    crs = models.PositiveIntegerField(null=True, blank=True, help_text="EPSG code given with the file")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    stage = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.JSONField(null=True, blank=True, help_text="The error body of a failed import")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class HouseNumber(models.Model):
    """A house number on a street of a ward: '123/4/5A Nguyễn Đình Chiểu' with its point.

    The number is stored parsed (main, suffix, lot prefix, alley path) and as canonical text, unique
    per street among live rows; ``sort_key`` orders a street's numbers as they are walked.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang dùng / In use"
        RETIRED = "retired", "Đã bỏ (đổi số, giải tỏa) / Retired"

    class Source(models.TextChoices):
        IMPORT = "import", "Nhập từ tệp / File import"
        MANUAL = "manual", "Nhập tay / Manual"
        DEMO = "demo", "Dữ liệu mẫu / Demo"

    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="house_numbers")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # db_constraint=False: the composite (street_id, ward_id) key of migration 0003 is the real constraint.
    street = models.ForeignKey(Street, on_delete=models.DO_NOTHING, db_constraint=False, related_name="house_numbers")
    main = models.PositiveIntegerField()
    main_suffix = models.CharField(max_length=4, blank=True)
    prefix = models.CharField(max_length=2, blank=True, help_text="Lot letters glued in front: B in B8/214")
    alleys = ArrayField(models.CharField(max_length=12), default=list, blank=True)
    number = models.CharField(max_length=80, help_text="Canonical: 123/4/5A")
    sort_key = models.CharField(max_length=200)
    address = models.CharField(max_length=300, help_text="Canonical full address")
    geom = models.PointField(srid=4326, spatial_index=False)
    # Distances (reverse geocoding, reports) in metres on an indexed stored copy (docs/architecture.md, "Coordinates").
    geom_m = projected_copy(models.PointField, 32648)
    # The map's vector tiles read a stored Web Mercator copy (reprojecting every row per tile cost 17×).
    geom_3857 = projected_copy(models.PointField, 3857)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    house_import = models.ForeignKey(
        HouseImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="house_numbers"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_m", "geom_3857"])

    private_fields: tuple[str, ...] = ()  # addresses and house points are public map data

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "number"], condition=Q(status="active"), name="house_number_street_number_live"
            ),
            # The target of households' composite (house number, ward) foreign key.
            models.UniqueConstraint(fields=["id", "ward"], name="house_number_id_ward"),
        ]
        indexes = [
            GistIndex(fields=["geom_m"], name="house_number_geom_m_gist"),
            GistIndex(fields=["geom_3857"], name="house_number_geom_3857_gist"),
            models.Index(fields=["street", "sort_key"], name="house_number_street_sort"),
        ]
        ordering = ["street_id", "sort_key"]

    def __str__(self) -> str:
        return self.address

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id

    def parsed(self) -> ParsedNumber:
        return ParsedNumber(self.main, self.main_suffix, tuple(self.alleys), self.prefix)


class Household(models.Model):
    """A household (nóc gia) living at a house number: its head and members are private (Domain.HOUSEHOLDS)."""

    class Status(models.TextChoices):
        RESIDENT = "resident", "Đang cư trú / Resident"
        MOVED_OUT = "moved_out", "Đã chuyển đi / Moved out"

    # db_constraint=False: the composite (house_number_id, ward_id) key of migration 0003 is the real one.
    house_number = models.ForeignKey(
        HouseNumber, on_delete=models.DO_NOTHING, db_constraint=False, related_name="households"
    )
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="households")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(max_length=30, unique=True, help_text="Mã hộ")
    head_name = models.CharField(max_length=120)
    head_phone = models.CharField(max_length=20, blank=True)
    # [{"name", "birth_year", "sex", "relation", "phone"}], the head included.
    members = models.JSONField(default=list)
    size = models.PositiveSmallIntegerField(default=1, help_text="People, the head included")
    poor = models.BooleanField(default=False, help_text="Hộ nghèo")
    near_poor = models.BooleanField(default=False, help_text="Hộ cận nghèo")
    policy_family = models.BooleanField(default=False, help_text="Gia đình chính sách, người có công")
    social_allowance = models.BooleanField(default=False, help_text="Hưởng trợ cấp bảo trợ xã hội")
    military_age_youth = models.PositiveSmallIntegerField(default=0, help_text="Thanh niên trong độ tuổi nghĩa vụ")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESIDENT)
    moved_in_on = models.DateField(null=True, blank=True)
    moved_out_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    private_fields = ("head_name", "head_phone", "members")
    private_domain = Domain.HOUSEHOLDS
    # The household's record as officers keep it: what they edit (with moved_out_on), what the API shows
    # (with its keys and dates) and what the demo writes; named once here.
    record_fields = (
        "head_name",
        "head_phone",
        "members",
        "size",
        "poor",
        "near_poor",
        "policy_family",
        "social_allowance",
        "military_age_youth",
        "status",
    )

    class Meta:
        indexes = [models.Index(fields=["ward", "khu_pho"], name="household_ward_khu_pho")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


class HouseholdMove(models.Model):
    """People moving into or out of a household on a day (chuyển đến / chuyển đi)."""

    class Kind(models.TextChoices):
        IN = "in", "Chuyển đến / Moved in"
        OUT = "out", "Chuyển đi / Moved out"

    # db_constraint=False: migration 0003 writes this key with ON DELETE CASCADE.
    household = models.ForeignKey(Household, on_delete=models.DO_NOTHING, db_constraint=False, related_name="moves")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    date = models.DateField()
    persons = models.PositiveSmallIntegerField(default=1)
    place = models.CharField(max_length=200, blank=True, help_text="Where from or where to")
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    private_fields = ("place",)
    private_domain = Domain.HOUSEHOLDS

    class Meta:
        indexes = [models.Index(fields=["household", "date"], name="household_move_date")]
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date} ({self.persons})"

    def scope(self) -> tuple[int | None, int | None]:
        return self.household.ward_id, self.household.khu_pho_id
