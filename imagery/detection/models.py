"""Detection runs (two acquisitions over an area, split into tiles) and the change flags they raise for review."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from simple_history.models import HistoricalRecords

from gisportal.permissions import Domain
from imagery.models import Acquisition, BuildingPermit, LandJob
from layers.models import AdminUnit, BasemapFeature


class DetectionRun(LandJob):
    """One detection over an area: the row the page, the CLI and the tile tasks share (status, progress)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ / Queued"
        RUNNING = "running", "Đang chạy / Running"
        DONE = "done", "Xong / Done"
        FAILED = "failed", "Thất bại / Failed"
        CANCELLED = "cancelled", "Đã hủy / Cancelled"

    class AreaKind(models.TextChoices):
        WARD = "ward", "Phường / Ward"
        KHU_PHO = "khu_pho", "Khu phố"
        DRAWN = "drawn", "Vùng vẽ / Drawn area"

    before = models.ForeignKey(Acquisition, on_delete=models.CASCADE, related_name="+")
    after = models.ForeignKey(Acquisition, on_delete=models.CASCADE, related_name="+")
    area_kind = models.CharField(max_length=10, choices=AreaKind.choices, default=AreaKind.WARD)
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What is searched: the chosen area cut to both photographs' footprints.
    area = models.MultiPolygonField(srid=4326)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    tiles_total = models.PositiveIntegerField(default=0)
    tiles_done = models.PositiveIntegerField(default=0)
    model_version = models.CharField(max_length=60, blank=True)
    flags_new = models.PositiveIntegerField(default=0)
    flags_updated = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status} {self.progress}%)"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)


class DetectionTile(models.Model):
    """One pixel window of a run (on the earlier photograph's grid): a Celery task's unit of work.

    `pieces` holds the candidates found in the window, cut to its core (the window without its margin),
    in EPSG:3857: the run's last tile merges the pieces that meet across tile edges.
    """

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="tiles")
    index = models.PositiveIntegerField()
    col_off = models.PositiveIntegerField()
    row_off = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    done = models.BooleanField(default=False)
    pieces = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="detection_tile_run_index")]
        ordering = ["run", "index"]


class ChangeFlag(models.Model):
    """A suspected new structure between two acquisitions, and the land officer's decision on it."""

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", "Chờ xem xét / To review"
        PERMITTED = "permitted", "Có giấy phép / Permitted"
        CONFIRMED = "confirmed", "Vi phạm đã xác nhận / Confirmed violation"
        DISMISSED = "dismissed", "Báo nhầm / False alarm"
        LINKED = "linked", "Công trình đã biết / Known structure"

    # The pair is what makes a flag the same flag across re-runs over the same area.
    before = models.ForeignKey(Acquisition, on_delete=models.CASCADE, related_name="+")
    after = models.ForeignKey(Acquisition, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="flags", help_text="First run")
    last_run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="+", help_text="Latest run")
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    geom = models.PolygonField(srid=4326)
    area_m2 = models.FloatField()
    score = models.FloatField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TO_REVIEW, db_index=True)
    permit = models.ForeignKey(BuildingPermit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    structure = models.ForeignKey(
        BasemapFeature, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Known building"
    )
    earlier_flag = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["last_run"])

    private_domain = Domain.LAND
    DECIDED = (Status.CONFIRMED, Status.DISMISSED)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["before", "after"], name="detection_flag_pair")]

    def __str__(self) -> str:
        return f"flag {self.pk} ({self.status}, {self.score:.2f})"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None

    @property
    def decided(self) -> bool:
        """A person's decision, which a re-run never overwrites (permitted by the officer counts too)."""
        return self.decided_by_id is not None
