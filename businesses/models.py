"""Business households (hộ kinh doanh) and the industries (VSIC) they are registered under."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db.models import Func
from simple_history.models import HistoricalRecords

from gisportal.model_fields import projected_copy
from layers.models import AdminUnit


class Industry(models.Model):
    """One code of a VSIC classification version.

    VSIC 2018 (Decision 27/2018) and VSIC 2025 (Decision 36/2025, in force since
    15 November 2025) reuse codes with different meanings, so the key is (version, code).
    """

    class Version(models.TextChoices):
        VSIC2018 = "VSIC2018", "VSIC 2018 (QĐ 27/2018)"
        VSIC2025 = "VSIC2025", "VSIC 2025 (QĐ 36/2025)"

    version = models.CharField(max_length=10, choices=Version.choices)
    code = models.CharField(max_length=6, help_text="A section letter (level 1) or 2–5 digits")
    level = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    section = models.CharField(max_length=1, help_text="Level-1 section letter, for grouping")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="industry_version_code")]
        ordering = ["version", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.version})"


class NameKey(Func):
    """portal_name_key(text): the comparable form of a signboard (see migration 0002)."""

    function = "portal_name_key"
    output_field = models.CharField()


class Business(models.Model):
    """A registered business household, with its place on the map."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang hoạt động / Active"
        SUSPENDED = "suspended", "Tạm ngừng / Temporarily suspended"
        TERMINATED = "terminated", "Chấm dứt / Terminated"
        REVOKED = "revoked", "Bị thu hồi / Revoked"

    class Licence(models.TextChoices):
        ALCOHOL = "alcohol_retail", "Bán lẻ rượu / Alcohol retail"
        TOBACCO = "tobacco_retail", "Bán lẻ thuốc lá / Tobacco retail"
        LPG = "lpg", "Kinh doanh khí dầu mỏ hóa lỏng / LPG"

    registration_no = models.CharField(max_length=30, unique=True)
    signboard = models.CharField(max_length=200)
    # Computed by PostgreSQL from the signboard: case, accents, Unicode form, punctuation
    # and the words "Hộ kinh doanh" folded away, so the name check compares like with like.
    signboard_key = models.GeneratedField(
        expression=NameKey("signboard"), output_field=models.CharField(max_length=200), db_persist=True
    )
    owner_name = models.CharField(max_length=120)
    owner_phone = models.CharField(max_length=20, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, related_name="+", help_text="Main line")
    other_industries = models.ManyToManyField(Industry, blank=True, related_name="+")
    section = models.CharField(max_length=1, help_text="Section of the main line")
    address_legacy = models.CharField(max_length=300, blank=True, help_text="As registered (pre-2025 names)")
    address_current = models.CharField(max_length=300, help_text="After the July 2025 ward merger")
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="businesses")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    street_block = models.CharField(max_length=30, blank=True, help_text="Ô phố")
    house_number = models.ForeignKey(
        "households.HouseNumber",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="businesses",
        help_text="The house number at its address, where the geocoder knows it",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField()
    status_changed_on = models.DateField(null=True, blank=True)
    licences = ArrayField(models.CharField(max_length=20, choices=Licence.choices), default=list, blank=True)
    geom = models.PointField(srid=4326)
    geom_m = projected_copy(models.PointField, 32648)
    geom_3857 = projected_copy(models.PointField, 3857)
    missing_from_sync_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["signboard_key", "geom_m", "geom_3857"])

    private_fields = ("owner_name", "owner_phone")

    class Meta:
        indexes = [
            GistIndex(fields=["geom_m"], name="business_geom_m_gist"),
            GistIndex(fields=["geom_3857"], name="business_geom_3857_gist"),
            GinIndex(OpClass("signboard_key", name="gin_trgm_ops"), name="business_name_trgm"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.signboard} ({self.registration_no})"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


class ExportLog(models.Model):
    """One export of a business list: who, when, which filter, how many rows, in which format."""

    user = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    format = models.CharField(max_length=10)
    filters = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]


class SyncRun(models.Model):
    """One sync from the registration software or `import_businesses`, with its full report."""

    class Source(models.TextChoices):
        API = "api", "API"
        COMMAND = "command", "manage.py import_businesses"

    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=255, blank=True)
    full = models.BooleanField(default=False, help_text="A full sync marks businesses missing from it")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    committed = models.BooleanField(default=False, help_text="False when any row was rejected (all or nothing)")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    marked_missing = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, help_text="Rejected rows with reasons, ids marked missing")

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ / Queued"
        READING = "reading", "Đang đọc tệp / Reading the file"
        CHECKING = "checking", "Đang kiểm tra / Checking rows"
        WRITING = "writing", "Đang ghi / Writing"
        DONE = "done", "Xong / Done"
        FAILED = "failed", "Lỗi / Failed"

    # A large file is synced by the Celery worker: the run is the job row the caller polls.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    error = models.JSONField(null=True, blank=True, help_text="Why a queued sync failed (the API error shape)")

    class Meta:
        ordering = ["-started_at", "-id"]
