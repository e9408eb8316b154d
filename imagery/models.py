"""Aerial acquisitions (COGs), their ingestion jobs, land parcels and building permits."""

from __future__ import annotations

from pathlib import Path

from django.contrib.gis.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from gisportal.permissions import Domain
from imagery.storage import cog_path
from layers.models import AdminUnit


class Acquisition(models.Model):
    """One georeferenced aerial photograph of a ward, stored as a web-optimised COG (EPSG:3857)."""

    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="acquisitions")
    year = models.PositiveSmallIntegerField(db_index=True)
    acquired_on = models.DateField(help_text="Date of the flight")
    title = models.CharField(max_length=200, blank=True)
    source_name = models.CharField(max_length=255, help_text="The file it was made from")
    cog_name = models.CharField(max_length=100, unique=True, help_text="File name under IMAGERY_ROOT/cogs")
    crs = models.CharField(max_length=40, help_text="The source's CRS, e.g. EPSG:9210")
    crs_name = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(help_text="Source pixels")
    height = models.PositiveIntegerField()
    bands = models.PositiveSmallIntegerField()
    dtype = models.CharField(max_length=10)
    resolution_m = models.FloatField(help_text="Ground size of a source pixel, metres")
    footprint = models.PolygonField(srid=4326)
    minzoom = models.PositiveSmallIntegerField()
    maxzoom = models.PositiveSmallIntegerField()
    # 16-bit imagery is stretched to 8-bit for display: per band (low, high) from the COG's statistics.
    rescale = models.JSONField(default=list, blank=True)
    size_bytes = models.BigIntegerField(help_text="Size of the COG")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    private_domain = Domain.LAND

    class Meta:
        ordering = ["acquired_on", "id"]

    def __str__(self) -> str:
        return f"{self.title or self.source_name} ({self.acquired_on})"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None

    @property
    def cog_path(self) -> Path:
        return cog_path(self.cog_name)


class LandJob(models.Model):
    """A background job of the land domain (an ingestion, a detection run): its ward, the progress and message
    its page polls, and when it ran. Each job adds its own status and work."""

    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100")
    message = models.TextField(blank=True)
    message_en = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    private_domain = Domain.LAND

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class IngestJob(LandJob):
    """One GeoTIFF on its way to becoming an Acquisition: the progress row the page and the CLI poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ / Queued"
        RUNNING = "running", "Đang xử lý / Running"
        DONE = "done", "Xong / Done"
        FAILED = "failed", "Bị từ chối / Refused"

    year = models.PositiveSmallIntegerField()
    acquired_on = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    source_name = models.CharField(max_length=255)
    source_path = models.CharField(max_length=1000, help_text="Absolute path the worker reads")
    # An upload is our own temporary copy, removed when the job ends; a registered file is never touched.
    source_is_upload = models.BooleanField(default=True)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=30, blank=True)
    error = models.CharField(max_length=40, blank=True)
    acquisition = models.OneToOneField(
        Acquisition, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingest_job"
    )
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.source_name} ({self.status} {self.progress}%)"


class Parcel(models.Model):
    """A land parcel (thửa đất) drawn from the corner coordinates of a survey document."""

    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="parcels")
    sheet_no = models.CharField(max_length=20, help_text="Tờ bản đồ số / map sheet")
    parcel_no = models.CharField(max_length=20, help_text="Thửa đất số / parcel number")
    land_use = models.CharField(max_length=20, blank=True, help_text="Land-use code, e.g. ODT, CLN")
    address = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    geom = models.PolygonField(srid=4326)
    # The corners as typed, in their own CRS (easting, northing), so the document can be re-checked.
    source_srid = models.PositiveIntegerField()
    corners = models.JSONField()
    measure_srid = models.PositiveIntegerField(help_text="VN-2000 plane the area and lengths are measured in")
    area_m2 = models.FloatField()
    perimeter_m = models.FloatField()
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    private_domain = Domain.LAND

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "sheet_no", "parcel_no"], condition=Q(is_deleted=False), name="parcel_ward_sheet_no"
            )
        ]
        ordering = ["ward", "sheet_no", "parcel_no"]

    def __str__(self) -> str:
        return f"Tờ {self.sheet_no} thửa {self.parcel_no}"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class BuildingPermitQuerySet(models.QuerySet):
    def valid_on(self, day) -> BuildingPermitQuerySet:
        """Permits in force on `day`: issued by then and not expired (the detection module's cross-check)."""
        return self.filter(Q(issued_on__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day)))

    def overlapping(self, geom) -> BuildingPermitQuerySet:
        """Permits whose permitted footprint meets `geom` (a WGS 84 GEOS geometry)."""
        return self.filter(footprint__intersects=geom)


class BuildingPermit(models.Model):
    """A building permit (giấy phép xây dựng): what may stand on a parcel, and until when."""

    permit_no = models.CharField(max_length=40, unique=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="building_permits")
    parcel = models.ForeignKey(Parcel, null=True, blank=True, on_delete=models.SET_NULL, related_name="permits")
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Empty: no expiry written on the permit")
    footprint = models.PolygonField(srid=4326, help_text="The permitted footprint")
    floors = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = BuildingPermitQuerySet.as_manager()
    private_domain = Domain.LAND

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                name="permit_valid_after_issue",
            )
        ]
        ordering = ["-issued_on", "permit_no"]

    def __str__(self) -> str:
        return self.permit_no

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None
