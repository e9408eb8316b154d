"""A citizen's report of a problem at a point, its photos, and what its kind promises (a deadline)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from gisportal.model_fields import projected_copy
from gisportal.spool import spool_storage


class Kind(models.TextChoices):
    FLOODING = "flooding", "Ngập nước / Flooding"
    FALLEN_TREE = "fallen_tree", "Cây ngã đổ / Fallen tree"
    DRAIN_COVER = "drain_cover", "Nắp cống hư hỏng / Broken drain cover"
    DUMPING = "illegal_dumping", "Đổ rác trái phép / Illegal dumping"
    ENCROACHMENT = "sidewalk_encroachment", "Lấn chiếm vỉa hè / Sidewalk encroachment"
    CONSTRUCTION = "unlicensed_construction", "Xây dựng không phép / Unlicensed construction"
    OTHER = "other", "Khác / Other"


# Days an officer has to resolve a report of each kind: a fallen tree blocks a street today, a construction
# needs an inspection and a record.
DEADLINE_DAYS: dict[str, int] = {
    Kind.FLOODING: 2,
    Kind.FALLEN_TREE: 1,
    Kind.DRAIN_COVER: 2,
    Kind.DUMPING: 5,
    Kind.ENCROACHMENT: 7,
    Kind.CONSTRUCTION: 15,
    Kind.OTHER: 10,
}


class Status(models.TextChoices):
    NEW = "new", "Mới tiếp nhận / Received"
    TRIAGED = "triaged", "Đã phân loại / Triaged"
    ASSIGNED = "assigned", "Đang xử lý / In progress"
    RESOLVED = "resolved", "Đã xử lý / Resolved"
    CLOSED = "closed", "Đã đóng / Closed"
    MERGED = "merged", "Trùng, đã gộp / Duplicate, merged"


OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.ASSIGNED)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class ReportQuerySet(models.QuerySet):
    def open(self) -> ReportQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: dt.datetime | None = None) -> ReportQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())

    def closed_on_time(self) -> ReportQuerySet:
        return self.filter(status__in=DONE_STATUSES, resolved_at__lte=models.F("due_at"))


class Report(models.Model):
    """One report. The citizen's contact and the officers' note are private; the public see status, dates and the
    public answer (`public.py`)."""

    class Source(models.TextChoices):
        WEB = "web", "Cổng thông tin / Portal"
        OPEN311 = "open311", "Open311"

    code = models.CharField(max_length=10, unique=True, help_text="The tracking code the citizen was given")
    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    description = models.TextField(max_length=2000)
    address = models.CharField(max_length=300, blank=True, help_text="Where, in the citizen's words")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    ward = models.ForeignKey("layers.AdminUnit", on_delete=models.PROTECT, related_name="+")
    khu_pho = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.PointField(srid=4326)
    # "Open reports of the same kind within 50 m" measures in metres: a UTM 48N copy keeps its index usable.
    geom_m = projected_copy(models.PointField, 32648)
    reporter_name = models.CharField(max_length=120, blank=True)
    reporter_phone = models.CharField(max_length=20, blank=True)
    reporter_email = models.EmailField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_answer = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    followers = models.PositiveIntegerField(default=0, help_text="Citizens who follow it instead of filing again")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_m"])

    objects = ReportQuerySet.as_manager()
    private_fields = ("reporter_name", "reporter_phone", "reporter_email", "internal_note")

    class Meta:
        indexes = [
            GistIndex(fields=["geom_m"], name="report_geom_m_gist"),
            models.Index(fields=["ward", "status"], name="report_ward_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(duplicate_of__isnull=False), name="report_merged_has_target"
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


def _photo_path(photo: ReportPhoto, filename: str) -> str:
    return f"reports/{photo.report.created_at:%Y/%m}/{filename}"


class ReportPhoto(models.Model):
    """A photo as the citizen sent it (private: its EXIF may hold where they stood) and its public copy
    (re-encoded JPEG, no metadata, at most `photos.MAX_SIDE` px), both under SPOOL_DIR: never served by nginx."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField()
    original = models.FileField(upload_to=_photo_path, storage=spool_storage, max_length=200)
    public = models.FileField(upload_to=_photo_path, storage=spool_storage, max_length=200)
    content_type = models.CharField(max_length=40, help_text="Of the original, read from its content")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "position"], name="reportphoto_report_position")]
        ordering = ["report_id", "position"]

    def scope(self) -> tuple[int | None, int | None]:
        return self.report.scope()
