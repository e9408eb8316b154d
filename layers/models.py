"""Administrative units and public facilities: the frame every other layer sits in."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from simple_history.models import HistoricalRecords

from gisportal.model_fields import FoldedName, projected_copy
from gisportal.spool import spool_storage


class AdminUnitQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date | None = None) -> AdminUnitQuerySet:
        """Units in force on `day` (today by default)."""
        day = day or dt.date.today()
        return self.filter(Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day)))

    def wards(self) -> AdminUnitQuerySet:
        return self.filter(level=AdminUnit.Level.WARD)


class AdminUnit(FoldedName, models.Model):
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

    # "Tiếng Việt / English", as every choice label here (layers/labels.py picks the page's half).
    class Kind(models.TextChoices):
        THANH_PHO = "thanh_pho", "Thành phố / City"
        QUAN = "quan", "Quận / Urban district"
        HUYEN = "huyen", "Huyện / Rural district"
        PHUONG = "phuong", "Phường / Ward"
        XA = "xa", "Xã / Commune"
        DAC_KHU = "dac_khu", "Đặc khu / Special zone"
        THI_TRAN = "thi_tran", "Thị trấn / Town"  # pre-2025 towns of the huyện
        THI_XA = "thi_xa", "Thị xã / District-level town"
        KHU_PHO = "khu_pho", "Khu phố / Quarter (khu phố)"
        AP = "ap", "Ấp / Hamlet (ấp)"

    level = models.CharField(max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=20, help_text="GSO code, or a local code for khu phố")
    name = models.CharField(max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors")
    # A ward split in 2025 went to two or three units: `successor` keeps the first, `successors` has them all
    # (for a whole predecessor it holds the one successor too), so code reading `successor` keeps working.
    successors = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="split_predecessors")
    # The boundary was pieced together (a predecessor split without a published line): shown as such on the map.
    approximate = models.BooleanField(default=False)
    area_km2 = models.FloatField(null=True, blank=True, help_text="Official area, km² (Resolution 1685)")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    # The contact of the unit's head (trưởng khu phố, chủ tịch phường): officers only.
    head_name = models.CharField(max_length=120, blank=True)
    head_phone = models.CharField(max_length=20, blank=True)
    boundary = models.MultiPolygonField(srid=4326)
    # The vector tiles' copy (layers/map_layers.py: the wards and khu phố layers), with its own GiST index.
    boundary_3857 = projected_copy(models.MultiPolygonField, 3857, source="boundary")
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["boundary_3857"])

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
        indexes = [GistIndex(fields=["boundary_3857"], name="adminunit_boundary_3857_gist")]
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

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
    geom_m = projected_copy(models.PointField, 32648)
    geom_3857 = projected_copy(models.PointField, 3857)  # the vector tiles' (layers/map_layers.py)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_3857"])
    private_fields: tuple[str, ...] = ()

    class Meta:
        indexes = [
            GistIndex(fields=["geom_m"], name="poi_geom_m_gist"),
            GistIndex(fields=["geom_3857"], name="poi_geom_3857_gist"),
        ]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


# --- thematic layers: waste points, forest plots and their surveys -----------------------------------

_NOT_NEGATIVE = MinValueValidator(0)


class WastePoint(models.Model):
    """A place of the ward's waste system: a public bin, a public toilet, a transfer station, a dumping
    hot spot, or a waste source owner (chủ nguồn thải: a household or business that generates waste)."""

    class Kind(models.TextChoices):
        BIN = "bin", "Thùng rác công cộng / Public bin"
        TOILET = "toilet", "Nhà vệ sinh công cộng / Public toilet"
        TRANSFER = "transfer_station", "Trạm trung chuyển rác / Waste transfer station"
        HOT_SPOT = "dump_hotspot", "Điểm nóng đổ rác / Dumping hot spot"
        SOURCE = "source_owner", "Chủ nguồn thải / Waste source owner"

    class Condition(models.TextChoices):
        GOOD = "good", "Tốt / Good"
        WORN = "worn", "Xuống cấp / Worn"
        DAMAGED = "damaged", "Hư hỏng / Damaged"
        OVERFLOWING = "overflowing", "Quá tải / Overflowing"

    class SourceKind(models.TextChoices):
        HOUSEHOLD = "household", "Hộ gia đình / Household"
        BUSINESS = "business", "Cơ sở kinh doanh / Business"

    class FeeStatus(models.TextChoices):
        PAID = "paid", "Đã đóng / Paid"
        DUE = "due", "Đến hạn / Due"
        OVERDUE = "overdue", "Quá hạn / Overdue"
        EXEMPT = "exempt", "Miễn / Exempt"

    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    capacity = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0)], help_text="Litres (bins), seats (toilets), t/day"
    )
    operator = models.CharField(max_length=200, blank=True, help_text="Đơn vị quản lý / vận hành")
    collection_schedule = models.CharField(max_length=120, blank=True, help_text="e.g. 'Hằng ngày 18:00-20:00'")
    condition = models.CharField(max_length=12, choices=Condition.choices, blank=True)
    last_inspected = models.DateField(null=True, blank=True)
    # Source owners only: who generates the waste and whether the collection fee is paid.
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices, blank=True)
    fee_status = models.CharField(max_length=8, choices=FeeStatus.choices, blank=True)
    monthly_fee = models.PositiveIntegerField(null=True, blank=True, help_text="VND a month")
    contact_name = models.CharField(max_length=120, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.PointField(srid=4326)
    geom_3857 = projected_copy(models.PointField, 3857)
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_3857"])

    private_fields = ("contact_name", "contact_phone", "monthly_fee", "fee_status")

    class Meta:
        indexes = [GistIndex(fields=["geom_3857"], name="wastepoint_geom_3857_gist")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def clean(self) -> None:
        """Source owners carry who they are and their fee status; the other kinds carry neither."""
        source = self.kind == self.Kind.SOURCE
        if source and not self.source_kind:
            raise ValidationError(
                {"source_kind": "Chủ nguồn thải cần ghi hộ gia đình hay cơ sở. / A source owner needs a source kind."}
            )
        if not source and (self.source_kind or self.fee_status or self.monthly_fee):
            raise ValidationError(
                {"kind": "Chỉ chủ nguồn thải mới có phí thu gom. / Only source owners carry a collection fee."}
            )

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


class ForestPlot(models.Model):
    """A located plot (ô định vị) of a forest monitoring grid, as in the Cần Giờ mangroves."""

    class Condition(models.TextChoices):
        HEALTHY = "healthy", "Tốt / Healthy"
        STRESSED = "stressed", "Suy yếu / Stressed"
        DEGRADED = "degraded", "Suy thoái / Degraded"
        LOST = "lost", "Mất rừng / Lost"

    code = models.CharField(max_length=30, unique=True, help_text="e.g. 'CG-TK4-017'")
    sub_zone = models.CharField(max_length=60, db_index=True, help_text="Tiểu khu")
    species = models.CharField(max_length=120, blank=True, help_text="e.g. 'Đước đôi (Rhizophora apiculata)'")
    planting_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    area_ha = models.FloatField(default=0, editable=False, help_text="Computed from the polygon in UTM 48N")
    notes = models.TextField(blank=True)
    ward = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    khu_pho = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.PolygonField(srid=4326)
    geom_3857 = projected_copy(models.PolygonField, 3857)
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["geom_3857"])

    private_fields: tuple[str, ...] = ()

    class Meta:
        indexes = [GistIndex(fields=["geom_3857"], name="forestplot_geom_3857_gist")]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        if self.geom is not None:
            self.area_ha = round(self.geom.transform(32648, clone=True).area / 10_000, 4)
            if kwargs.get("update_fields") is not None and "geom" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "area_ha"}
        super().save(*args, **kwargs)

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id


class ForestSurvey(models.Model):
    """One survey of a plot on a day: canopy, density, size, carbon, condition."""

    plot = models.ForeignKey(ForestPlot, on_delete=models.CASCADE, related_name="surveys")
    surveyed_on = models.DateField()
    canopy_cover_pct = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    density_per_ha = models.FloatField(null=True, blank=True, validators=[_NOT_NEGATIVE], help_text="Trees per ha")
    mean_height_m = models.FloatField(null=True, blank=True, validators=[_NOT_NEGATIVE])
    mean_dbh_cm = models.FloatField(null=True, blank=True, validators=[_NOT_NEGATIVE], help_text="Mean DBH")
    carbon_t_ha = models.FloatField(
        null=True, blank=True, validators=[_NOT_NEGATIVE], help_text="Estimated carbon stock, tonnes C per ha"
    )
    condition = models.CharField(max_length=10, choices=ForestPlot.Condition.choices, blank=True)
    notes = models.TextField(blank=True)
    surveyor = models.CharField(max_length=120, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plot", "surveyed_on"], name="forestsurvey_plot_day")]
        ordering = ["plot_id", "surveyed_on"]

    def __str__(self) -> str:
        return f"{self.plot_id} {self.surveyed_on}"

    def scope(self) -> tuple[int | None, int | None]:
        return self.plot.scope()


class FieldTrack(models.Model):
    """A GPS track a field crew brought back (GPX or KML), kept as recorded."""

    name = models.CharField(max_length=200, blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    source_file = models.CharField(max_length=255)
    geom = models.MultiLineStringField(srid=4326)
    length_m = models.FloatField(default=0)
    imported_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    ward = models.ForeignKey(AdminUnit, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-imported_at", "id"]

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class FieldWaypoint(models.Model):
    """A waypoint of a field crew (GPX or KML), linked to the plot it falls in, if any."""

    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    elevation_m = models.FloatField(null=True, blank=True)
    source_file = models.CharField(max_length=255)
    plot = models.ForeignKey(ForestPlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="waypoints")
    geom = models.PointField(srid=4326)
    imported_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    ward = models.ForeignKey(AdminUnit, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-imported_at", "id"]

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, None


class ImportJob(models.Model):
    """An uploaded GIS file between its preview and its commit (all or nothing) into a layer."""

    class State(models.TextChoices):
        QUEUED = "queued", "Đang kiểm tra / Being checked"  # a big file's preview, in the worker
        PREVIEWED = "previewed", "Đã xem trước / Previewed"
        COMMITTING = "committing", "Đang nhập / Importing"  # a big file's commit, in the worker
        COMMITTED = "committed", "Đã nhập / Committed"
        REFUSED = "refused", "Bị từ chối / Refused"
        FAILED = "failed", "Lỗi / Failed"

    layer = models.CharField(max_length=50)
    user = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="gis-imports/%Y/%m/", storage=spool_storage)
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=20)
    source_crs = models.CharField(max_length=40, blank=True)
    options = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEWED)
    feature_count = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0, help_text="Rows checked so far by the worker")
    error = models.JSONField(null=True, blank=True)
    created_ids = models.JSONField(default=list)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]


class BasemapFeature(models.Model):
    """A feature of the portal's own basemap: a street line, a building footprint, water, a park, a tree.

    Filled from the demo ward's generator or from an OpenStreetMap extract (`import_basemap`). Building
    footprints are also the known structures the change detector links its candidates to; `first_year` /
    `last_year` say when a structure stood, so the demo's aerial epochs render from the same rows.
    """

    class Kind(models.TextChoices):
        STREET = "street", "Đường / Street"
        BUILDING = "building", "Công trình / Building"
        WATER = "water", "Mặt nước / Water"
        PARK = "park", "Công viên, cây xanh / Park"
        TREE = "tree", "Cây / Tree"
        BLOCK = "block", "Khối nhà / Block"

    class Source(models.TextChoices):
        DEMO = "demo", "Dữ liệu mẫu / Demo"
        OSM = "osm", "OpenStreetMap"
        SURVEY = "survey", "Đo đạc / Survey"
        DETECTION = "detection", "Phát hiện từ ảnh / Detected"

    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    # Streets: road class (primary, residential, alley…) and width; buildings: floors and roof colour.
    subkind = models.CharField(max_length=30, blank=True)
    width_m = models.FloatField(null=True, blank=True)
    attrs = models.JSONField(default=dict, blank=True)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DEMO)
    source_id = models.CharField(max_length=40, blank=True, help_text="e.g. the OSM way id")
    ward = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.GeometryField(srid=4326)
    geom_3857 = projected_copy(models.GeometryField, 3857)

    class Meta:
        indexes = [GistIndex(fields=["geom_3857"], name="basemap_geom_3857_gist")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or self.pk}"


# Layers a ward defines itself (layers/themes): imported here so Django finds their models in this app.
from layers.reports.models import Report, ReportPhoto  # noqa: E402,F401  (citizen reports)
from layers.themes.models import ThemeFeature, ThemeLayer  # noqa: E402, F401
